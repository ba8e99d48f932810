export * from './address-policy';
export * from './allow-list';
export * from './url-policy';
export * from './guard';
export * from './request-builder';
export * from './request-rules';
