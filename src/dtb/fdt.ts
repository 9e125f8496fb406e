// The flattened devicetree format's constants (devicetree specification, chapter 5).
export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;
/** Header size of a version 17 blob. */
export const HEADER_SIZE = 40;
