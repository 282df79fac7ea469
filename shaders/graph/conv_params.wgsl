// The parameters and bindings the graph runner's convolution kernels share (conv.wgsl, conv_direct.wgsl).

struct ConvParams {
  n: u32,
  groups_x: u32,
  in_base: u32,
  out_base: u32,
  channels: u32,
  h: u32,
  w: u32,
  oc: u32,
  oh: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  pt: u32,
  pl: u32,
  dh: u32,
  dw: u32,
  group: u32,
  count_pad: u32,
  pb: u32,
  pr: u32,
}
@group(0) @binding(AUTO) var<uniform> cv: ConvParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read> weight: array<f32>;
@group(0) @binding(AUTO) var<storage, read> bias: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;
