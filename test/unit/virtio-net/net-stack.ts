// Moved to the conformance library, where the cases that use it live; tests keep importing it from here.
export * from '../../../harness/conformance/support/virtio-net-stack.js';
