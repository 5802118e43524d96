/**
 * The optimizers' updates on the device, in place, one thread per element;
 * their state (velocity, moments) lives on the device in float32.
 *
 * @module
 */
import { INDEX_WGSL } from "./elementwise.ts";

/** Meta: n, momentum on (0/1), lr (f32 bits), momentum (f32 bits). */
export const SGD_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> P: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> V: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = index(gid, nwg);
  if (j >= prm[0]) { return; }
  let lr = bitcast<f32>(prm[2]);
  if (prm[1] == 0u) {
    P[j] = P[j] - lr * G[j];
    return;
  }
  let v = bitcast<f32>(prm[3]) * V[j] + G[j];
  V[j] = v;
  P[j] = P[j] - lr * v;
}
`;

/** Meta: n, then f32 bits of lr, beta1, beta2, eps, c1, c2. */
export const ADAM_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> P: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
@group(0) @binding(4) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = index(gid, nwg);
  if (j >= prm[0]) { return; }
  let lr = bitcast<f32>(prm[1]);
  let b1 = bitcast<f32>(prm[2]);
  let b2 = bitcast<f32>(prm[3]);
  let eps = bitcast<f32>(prm[4]);
  let c1 = bitcast<f32>(prm[5]);
  let c2 = bitcast<f32>(prm[6]);
  let g = G[j];
  let m = b1 * M[j] + (1.0 - b1) * g;
  let v = b2 * V[j] + (1.0 - b2) * g * g;
  M[j] = m;
  V[j] = v;
  P[j] = P[j] - lr * (m / c1) / (sqrt(v / c2) + eps);
}
`;
