// Per-row RMS scale of the encoder's row (common/row_rms.wgsl over the operand's K entries; twin of
// ScaledFormat.rmsScaleBits and NestedLatticeFormat.rowSigma).
#include "common/row_rms.wgsl"

fn FMT_row_rms_bits(row: u32) -> u32 {
  return row_rms_bits(row, FMT_meta.k, FMT_meta.inv_k);
}
