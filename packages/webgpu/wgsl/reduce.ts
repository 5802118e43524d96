/**
 * Sums on the device with core's block layout: thread (block b, output o)
 * adds the block's reduced positions of output o in order, and a combine
 * pass adds the blocks in block order. Accumulates in float32 (WGSL has no
 * float64), so the error bound is n·2⁻²⁴·Σ|x| rather than core's.
 *
 * @module
 */
import { INDEX_WGSL } from "./elementwise.ts";

/**
 * Meta: outLen, blocks, blockLen, positions, nk, nr, keptDims[nk],
 * keptStrides[nk], reducedDims[nr], reducedStrides[nr].
 */
export const REDUCE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
fn offsetOf(i: u32, nd: u32, dimsAt: u32, stridesAt: u32) -> u32 {
  var rest = i;
  var off = 0u;
  for (var ax = i32(nd) - 1; ax >= 0; ax--) {
    let d = prm[dimsAt + u32(ax)];
    off += (rest % d) * prm[stridesAt + u32(ax)];
    rest /= d;
  }
  return off;
}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = index(gid, nwg);
  let outLen = prm[0];
  let blocks = prm[1];
  if (u >= outLen * blocks) { return; }
  let b = u / outLen;
  let o = u % outLen;
  let blockLen = prm[2];
  let positions = prm[3];
  let nk = prm[4];
  let nr = prm[5];
  let ko = offsetOf(o, nk, 6u, 6u + nk);
  let r0 = b * blockLen;
  let r1 = min(positions, r0 + blockLen);
  var s = 0.0;
  for (var r = r0; r < r1; r++) {
    s += G[ko + offsetOf(r, nr, 6u + 2u * nk, 6u + 2u * nk + nr)];
  }
  O[u] = s;
}
`;

/** Meta: outLen, blocks, divisor (f32 bits). */
export const COMBINE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = index(gid, nwg);
  let outLen = prm[0];
  if (o >= outLen) { return; }
  var s = 0.0;
  for (var b = 0u; b < prm[1]; b++) { s += P[b * outLen + o]; }
  let d = bitcast<f32>(prm[2]);
  O[o] = select(s / d, s, d == 1.0);
}
`;
