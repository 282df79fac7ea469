// decode_cost.wgsl's block: the format's affine codes in place (what matmul/gemv_affine.wgsl reads).
fn decode_cost_block(row: u32, k: u32) -> Vals8 { return q_affine_codes8(row, k); }
