/** Codes of the connections module, beside the platform's common ones. */
export const ConnectionsErrorCode = {
  ConnectionNotFound: 'CONNECTION_NOT_FOUND',
  ApiNotFound: 'API_NOT_FOUND',
  TitleTaken: 'CONNECTION_TITLE_TAKEN',
  ApiNameTaken: 'API_NAME_TAKEN',
  ConnectionInUse: 'CONNECTION_IN_USE',
  SecretRequired: 'SECRET_REQUIRED',
  InvalidHeader: 'INVALID_HEADER',
  ForbiddenHeader: 'FORBIDDEN_HEADER',
  InvalidPath: 'INVALID_PATH',
  PathEscapesBase: 'PATH_ESCAPES_BASE',
  InvalidMapping: 'INVALID_RESPONSE_MAPPING',
  InvalidSuccessWhen: 'INVALID_SUCCESS_WHEN',
  BodyNotAllowed: 'BODY_NOT_ALLOWED',
  Concurrent: 'CONCURRENT_UPDATE',
} as const;
