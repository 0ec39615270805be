// The inbox's first request may already be on its way: public/early.js (a classic script in
// index.html's head) starts it before the bundle runs. takeEarly hands it over once.
export const STORE_KEY = 'tandem.session'

// takeEarly returns the early response for path (a promise of a Response) once, or null.
export function takeEarly(path) {
  const e = typeof window !== 'undefined' && window.tandemEarly
  if (!e || e.path !== path) return null
  window.tandemEarly = null
  return e.res
}
