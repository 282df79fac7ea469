// decode_cost.wgsl's block: the format's values (what the float GEMV and the GEMM templates decode).
fn decode_cost_block(row: u32, k: u32) -> Vals8 { return q_decode8(row, k); }
