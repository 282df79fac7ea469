/**
 * Typed errors. Every failure the engine can report is one of these, so callers can branch on
 * `instanceof` (or on `.code`) instead of parsing messages.
 */
export class QuantEngineError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `navigator.gpu` is missing or no adapter/device could be obtained. */
export class WebGPUUnavailableError extends QuantEngineError {
  constructor(detail: string) {
    super(
      'WEBGPU_UNAVAILABLE',
      `WebGPU is not available: ${detail}. Use a browser with WebGPU enabled (Chrome/Edge 113+, ` +
        `Safari 26+, Firefox 141+ on Windows), or Chromium with --enable-unsafe-webgpu ` +
        `(--use-webgpu-adapter=swiftshader for a software adapter), or pass a GPUDevice to createEngine({ device }).`,
    );
  }
}

/** The GPUDevice was lost; the engine is unusable and must be re-created with createEngine(). */
export class DeviceLostError extends QuantEngineError {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super('DEVICE_LOST', `GPU device lost (${reason}): ${message}. Re-create the engine with createEngine().`);
    this.reason = reason;
  }
}

/** Matrix shapes do not fit together, or a size is zero/negative/non-integer. */
export class ShapeError extends QuantEngineError {
  constructor(message: string) {
    super('SHAPE', message);
  }
}

/** An input holds NaN or ±Infinity. `row`/`col` name the first bad entry. */
export class NonFiniteError extends QuantEngineError {
  readonly index: number;
  readonly row: number;
  readonly col: number;
  constructor(what: string, index: number, row: number, col: number, value: number) {
    super('NON_FINITE', `${what} has a non-finite value ${value} at index ${index} (row ${row}, col ${col})`);
    this.index = index;
    this.row = row;
    this.col = col;
  }
}

/** Format parameters are invalid (unsupported bit width, group size, scale type, bad id string...). */
export class FormatError extends QuantEngineError {
  constructor(message: string) {
    super('FORMAT', message);
  }
}

/** The work cannot be split to fit the device's limits (e.g. one row alone exceeds a binding). */
export class DeviceLimitError extends QuantEngineError {
  constructor(message: string) {
    super('DEVICE_LIMIT', message);
  }
}

/** A GPU validation or out-of-memory error surfaced from a dispatch. */
export class GpuExecutionError extends QuantEngineError {
  constructor(message: string) {
    super('GPU_EXECUTION', message);
  }
}

/** A weights file is truncated or malformed; `offset` is the byte where reading failed, `field` what was being read. */
export class CorruptFileError extends QuantEngineError {
  readonly offset: number;
  readonly field: string;
  constructor(what: string, field: string, offset: number, detail: string) {
    super('CORRUPT_FILE', `${what}: ${detail} (reading ${field} at byte ${offset})`);
    this.offset = offset;
    this.field = field;
  }
}

/** A file written by a newer (or unknown) version of a format this build cannot read. */
export class UnsupportedVersionError extends QuantEngineError {
  readonly version: string;
  constructor(what: string, version: string, supported: string) {
    super(
      'UNSUPPORTED_VERSION',
      `${what}: version ${JSON.stringify(version)} is not supported by this build (it reads ${supported}); ` +
        `upgrade the engine to read it`,
    );
    this.version = version;
  }
}

/**
 * A file could not be read or written (missing, a directory, no permission, disk full…). `path` is the
 * file, `operation` what was being done, `role` whether it was an input or an output of the run.
 */
export class FileError extends QuantEngineError {
  readonly path: string;
  readonly operation: string;
  readonly role: 'input' | 'output';
  override readonly cause?: unknown;
  constructor(role: 'input' | 'output', operation: string, path: string, detail: string, cause?: unknown) {
    super('FILE', `cannot ${operation} ${path}: ${detail}`);
    this.path = path;
    this.operation = operation;
    this.role = role;
    this.cause = cause;
  }
}

/** A tensor of a model cannot be handled as asked (e.g. a STRING tensor the container cannot store). */
export class UnsupportedTensorError extends QuantEngineError {
  constructor(message: string) {
    super('UNSUPPORTED_TENSOR', message);
  }
}

/** An option has a bad value, or asks for something this device does not have (a feature, a tile too big). */
export class OptionsError extends QuantEngineError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('OPTIONS', `${option}: ${message}`);
    this.option = option;
  }
}

/**
 * A composed WGSL module failed to compile. `file` and `line` locate the first error in the snippet it
 * came from (shaders/…), `composedLine` in the composed module; the message lists every error.
 */
export class ShaderCompileError extends QuantEngineError {
  readonly file: string;
  readonly line: number;
  readonly composedLine: number;
  constructor(file: string, line: number, composedLine: number, message: string) {
    super('SHADER_COMPILE', message);
    this.file = file;
    this.line = line;
    this.composedLine = composedLine;
  }
}

/**
 * The host and a shader disagree (a binding or uniform field missing on one side): a bug in the engine, not in your
 * input.
 */
export class InternalError extends QuantEngineError {
  constructor(message: string) {
    super('INTERNAL', `internal error (please report it): ${message}`);
  }
}

/** A model uses an operator (or an attribute value) the graph runner does not implement. */
export class UnsupportedOpError extends QuantEngineError {
  readonly op: string;
  readonly node: string;
  constructor(op: string, node: string, supported: readonly string[]) {
    super(
      'UNSUPPORTED_OP',
      `node ${JSON.stringify(node)}: operator ${op} is not supported by the graph runner; it runs ` +
        `${supported.join(', ')}`,
    );
    this.op = op;
    this.node = node;
  }
}
