// Calls to the alert service's API, with the signed-in user's key when there is one.

const KEY = "newswatch.apiKey";

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

export const auth = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
};

/** The problem(s) an error body describes, in words ("name: must not be blank"). */
export function describe(body, status) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = (d.loc || []).filter((p) => p !== "body" && p !== "query").join(".");
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join("\n");
  }
  if (typeof detail === "string") return detail;
  return `HTTP ${status}`;
}

/** fetch JSON; throws ApiError with a readable message for any non-2xx answer. */
export async function api(path, { method = "GET", body, signed = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (signed) {
    if (!auth.key) throw new ApiError(401, "Sign in with your API key first.");
    headers.Authorization = `Bearer ${auth.key}`;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "The service cannot be reached. Is it running?");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const message = response.status === 401 ? "That API key is not valid (or was revoked)." : describe(data, response.status);
    throw new ApiError(response.status, message, data);
  }
  return data;
}

/** Query string from an object, repeating arrays and skipping empty values. */
export function query(params) {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && String(v).trim() !== "") out.append(name, String(v).trim());
    }
  }
  const text = out.toString();
  return text ? `?${text}` : "";
}
