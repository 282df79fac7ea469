import { WebGPUUnavailableError } from '../errors.js';

/** Optional features the kernels can use when present; the f32 paths never need them. */
const OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['subgroups', 'shader-f16', 'timestamp-query'] as GPUFeatureName[];

/** Optional WebGPU features the engine detected and uses (each with a tested fallback). */
export interface DeviceFeatures {
  readonly subgroups: boolean;
  readonly shaderF16: boolean;
  readonly timestampQuery: boolean;
  /** WGSL language feature packed_4x8_integer_dot_product (dot4I8Packed). */
  readonly dp4a: boolean;
}

export function describeFeatures(device: GPUDevice, gpu?: GPU): DeviceFeatures {
  const lang = gpu?.wgslLanguageFeatures;
  return {
    subgroups: device.features.has('subgroups'),
    shaderF16: device.features.has('shader-f16'),
    timestampQuery: device.features.has('timestamp-query'),
    dp4a: lang ? lang.has('packed_4x8_integer_dot_product') : false,
  };
}

/** Asks `navigator.gpu` for an adapter and a device with the adapter's full buffer limits. */
export async function requestDevice(
  gpu: GPU | undefined,
  options: GPURequestAdapterOptions = {},
): Promise<{ device: GPUDevice; adapterInfo?: GPUAdapterInfo }> {
  if (!gpu)
    throw new WebGPUUnavailableError(
      'navigator.gpu is undefined (this browser or context has no WebGPU; it needs a secure context such as ' +
        'https or localhost)',
    );
  const adapter = await gpu.requestAdapter(options);
  if (!adapter)
    throw new WebGPUUnavailableError(
      'navigator.gpu.requestAdapter() returned null (WebGPU is disabled or no usable adapter)',
    );
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const l = adapter.limits;
  try {
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      },
    });
    return { device, adapterInfo: adapter.info };
  } catch (e) {
    throw new WebGPUUnavailableError(`requestDevice failed: ${(e as Error).message}`);
  }
}
