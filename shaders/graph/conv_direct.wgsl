// Grouped convolutions, depthwise above all (C/group input channels per output; f32 weights
// [O, C/group, kh, kw] and a bias; zero padding), NCHW, directly: one thread per four outputs along x.

#include "graph/conv_params.wgsl"

// Four outputs along x per thread, a 16 × 4 tile of them per workgroup (x: ox/4, y: oy, z: output channel),
// so no thread divides to find its place; the KH × KW taps are unrolled (host constants).
@compute @workgroup_size(16, 4)
fn conv_direct(@builtin(global_invocation_id) gid: vec3<u32>) {
  let ox0 = gid.x * 4u;
  let oy = gid.y;
  let o = gid.z;
  if (ox0 >= cv.ow || oy >= cv.oh) { return; }
  let cg = cv.channels / cv.group;
  let c0 = (o / (cv.oc / cv.group)) * cg;
  var s = vec4<f32>(bias[o]);
  let ix0 = vec4<i32>(i32(ox0 * cv.sw) - i32(cv.pl)) + vec4<i32>(0, 1, 2, 3) * i32(cv.sw);
  let wi = vec4<i32>(i32(cv.w));
  for (var c = 0u; c < cg; c++) {
    let plane = cv.in_base + (c0 + c) * cv.h * cv.w;
    let taps = (o * cg + c) * KH * KW;
    #unroll ky KH
    {
      let iy = i32(oy * cv.sh + {ky}u * cv.dh) - i32(cv.pt);
      if (iy >= 0 && iy < i32(cv.h)) {
        let row = plane + u32(iy) * cv.w;
        #unroll kx KW
        {
          let ix = ix0 + vec4<i32>(i32({kx}u * cv.dw));
          let inside = (ix >= vec4<i32>(0)) & (ix < wi);
          let at = vec4<u32>(select(vec4<i32>(0), ix, inside)) + vec4<u32>(row);
          let v = vec4<f32>(src[at.x], src[at.y], src[at.z], src[at.w]);
          s += weight[taps + {ky}u * KW + {kx}u] * select(vec4<f32>(0.0), v, inside);
        }
        #end
      }
    }
    #end
  }
  let base = cv.out_base + (o * cv.oh + oy) * cv.ow + ox0;
  out[base] = s.x;
  if (ox0 + 1u < cv.ow) { out[base + 1u] = s.y; }
  if (ox0 + 2u < cv.ow) { out[base + 2u] = s.z; }
  if (ox0 + 3u < cv.ow) { out[base + 3u] = s.w; }
}
