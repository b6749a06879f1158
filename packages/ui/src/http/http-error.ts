/** An answer other than 200 that the handler renders as a page (never a stack trace). */
export class HttpError extends Error {
  constructor(
    /** HTTP status: 400, 401, 403, 404, 405, 409, 413. */
    readonly status: number,
    /** Short title of the error page. */
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** 404 with a message that says what to do. */
export function notFound(message: string): HttpError {
  return new HttpError(404, 'Not found', message);
}

/** 400 with a message that says what to do. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, 'Bad request', message);
}
