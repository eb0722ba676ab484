/** `k6/options` holds only types in k6; a script's `import type` of it is erased, a value import finds nothing here. */
export default {};
