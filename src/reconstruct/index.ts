// Public surface of reconstruction: pure joins and matrix assembly over what src/zarr reads.
export { unionSorted, intersectSorted, effectiveRemap, wantedRemap, positionLookup, sortedUnique } from './join.js';
export { assembleCsr, type SparseGroupInput, type CsrMatrix, type CsrAssemblyOptions } from './csr.js';
export { assembleCsrFromCsc, cscColumnRanges, cscRowMaps, shouldUseCsc, type CscGroupInput, type CscKernels, type CscRowMaps } from './csc.js';
export { scatterDense, type DenseGroupInput } from './dense.js';
export { resultType, castArray } from './cast.js';
export { assembleGroupCsr, placeGroupRows, type GroupCsrInput } from './csr-group.js';
