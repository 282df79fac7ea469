import { InternalError } from '../errors.js';
import { ResourceType, WgslReflect, type VariableInfo } from 'wgsl_reflect';

/**
 * What the host needs to know about a composed module, read from the WGSL itself with wgsl_reflect:
 * per entry point, which named resources it binds (slot, uniform/storage, access) and, for uniforms,
 * each struct field's offset and type so host code can write them by name.
 */
export interface UniformField {
  readonly name: string;
  readonly offset: number;
  readonly type: 'u32' | 'i32' | 'f32';
}

export interface ResourceBinding {
  readonly name: string;
  readonly binding: number;
  readonly kind: 'uniform' | 'storage' | 'read-only-storage';
  /** Uniform buffers only: the struct's byte size and fields. */
  readonly size: number;
  readonly fields: readonly UniformField[];
}

export interface EntryReflection {
  readonly name: string;
  readonly workgroupSize: readonly [number, number, number];
  readonly resources: readonly ResourceBinding[];
}

function toBinding(v: VariableInfo): ResourceBinding {
  if (v.group !== 0) throw new InternalError(`resource ${v.name} uses group ${v.group}; the engine binds group 0 only`);
  if (v.resourceType === ResourceType.Uniform) {
    const fields = (v.members ?? []).map((m) => {
      const t = m.type.name;
      if (t !== 'u32' && t !== 'i32' && t !== 'f32')
        throw new InternalError(`uniform ${v.name}.${m.name} has type ${t}; only u32/i32/f32 fields are supported`);
      return { name: m.name, offset: m.offset, type: t } as UniformField;
    });
    return { name: v.name, binding: v.binding, kind: 'uniform', size: Math.ceil(v.size / 16) * 16, fields };
  }
  if (v.resourceType === ResourceType.Storage) {
    const kind = v.access === 'read' ? 'read-only-storage' : 'storage';
    return { name: v.name, binding: v.binding, kind, size: 0, fields: [] };
  }
  throw new InternalError(`resource ${v.name}: only uniform and storage buffers are supported`);
}

export function reflectModule(code: string): Map<string, EntryReflection> {
  const r = new WgslReflect(code);
  const out = new Map<string, EntryReflection>();
  for (const fn of r.entry.compute) {
    const ws = fn.workgroupSize ?? [1, 1, 1];
    out.set(fn.name, {
      name: fn.name,
      workgroupSize: [ws[0] ?? 1, ws[1] ?? 1, ws[2] ?? 1],
      resources: fn.resources.map(toBinding).sort((a, b) => a.binding - b.binding),
    });
  }
  return out;
}

/** Serializes `values` into a uniform struct by field name. Missing or unknown fields are errors. */
export function packUniform(res: ResourceBinding, values: Readonly<Record<string, number>>): ArrayBuffer {
  const buf = new ArrayBuffer(res.size);
  const view = new DataView(buf);
  const known = new Set(res.fields.map((f) => f.name));
  for (const k of Object.keys(values))
    if (!known.has(k))
      throw new InternalError(`uniform ${res.name} has no field '${k}' (fields: ${[...known].join(', ')})`);
  for (const f of res.fields) {
    const v = values[f.name];
    if (v === undefined) throw new InternalError(`uniform ${res.name}.${f.name} was not given a value`);
    if (f.type === 'f32') view.setFloat32(f.offset, v, true);
    else if (f.type === 'i32') view.setInt32(f.offset, v, true);
    else {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
        throw new InternalError(`uniform ${res.name}.${f.name} = ${v} is not a u32`);
      view.setUint32(f.offset, v, true);
    }
  }
  return buf;
}
