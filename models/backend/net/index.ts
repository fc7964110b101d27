export * from './ethernet.js';
export * from './frame-ring.js';
export * from './net-backend.js';
export * from './peer.js';
