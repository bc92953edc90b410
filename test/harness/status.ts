// metav1.Status errors, shaped as the real API server sends them.

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: {reason?: string; message?: string; field?: string}[]
  retryAfterSeconds?: number
}

export interface StatusObject {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure' | 'Success'
  message?: string
  reason?: string
  details?: StatusDetails
  code: number
}

/** An error the server answers with a Status object. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  toStatus(): StatusObject {
    const s: StatusObject = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code}
    if (this.details) s.details = this.details
    return s
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message)
  }

  static unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized')
  }

  /** `pods "x" not found` */
  static notFound(resource: string, name: string, group = ''): ApiError {
    const details: StatusDetails = {name, kind: resource}
    if (group) details.group = group
    return new ApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, details)
  }

  /** Unknown path: what the real server answers for a resource it does not serve. */
  static noRoute(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {
      causes: [{reason: 'UnexpectedServerResponse', message: '404 page not found'}],
    })
  }

  static alreadyExists(resource: string, name: string, group = ''): ApiError {
    const details: StatusDetails = {name, kind: resource}
    if (group) details.group = group
    return new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, details)
  }

  static conflict(resource: string, name: string, group = ''): ApiError {
    const details: StatusDetails = {name, kind: resource}
    if (group) details.group = group
    return new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      details,
    )
  }

  /** 422: `Pod "x" is invalid: spec.containers: Required value` */
  static invalid(kind: string, name: string, causes: {field: string; reason: string; message: string}[], group = ''): ApiError {
    const text = causes.map((c) => `${c.field}: ${c.message}`)
    const message = `${kind} "${name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`
    const details: StatusDetails = {name, kind, causes: causes.map((c) => ({reason: c.reason, message: c.message, field: c.field}))}
    if (group) details.group = group
    return new ApiError(422, 'Invalid', message, details)
  }

  /**
   * RBAC denial: `pods is forbidden: User "u" cannot create resource "pods" in API group ""
   * in the namespace "kube-system"` (`pods "x" is forbidden: ...` for a named object).
   */
  static forbidden(a: {user: string; verb: string; resource: string; subresource?: string; group: string; namespace?: string; name?: string}): ApiError {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
    const subject = `${qualified(a.resource, a.group)}${a.name ? ` "${a.name}"` : ''}`
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope'
    const details: StatusDetails = {kind: a.resource}
    if (a.name) details.name = a.name
    if (a.group) details.group = a.group
    return new ApiError(403, 'Forbidden', `${subject} is forbidden: User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`, details)
  }

  static methodNotAllowed(): ApiError {
    return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
  }

  static unsupportedMediaType(type: string, accepted = ['application/json']): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')} (got ${type})`)
  }

  /** What an overloaded API server answers (max-in-flight or API Priority and Fairness): the Status says when to
   * come back, and so does the Retry-After header the server sets from it. */
  static tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {retryAfterSeconds})
  }

  static internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`)
  }
}

/** `pods` / `daemonsets.apps` as the real messages name a resource. */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource
}
