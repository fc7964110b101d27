/**
 * The hand-made split-virtqueue driver moved to the conformance library, where the case
 * code that uses it lives; tests keep importing it from here.
 */
export * from '../../harness/conformance/support/virtq-builder.js';
