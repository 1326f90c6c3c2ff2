export * from './client';
export * from './errors';
export * from './mail';
export * from './session';
