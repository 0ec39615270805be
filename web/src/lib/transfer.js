// File transfers the screens need beyond api(): an upload that reports its progress
// (XMLHttpRequest: fetch cannot report upload progress) and a download with the session's token.
import { session, Problem, NetworkError, clearSession } from '../api.js'

// upload POSTs form (FormData) to path under /api/v1, calling onProgress(percent) as the bytes
// go out; it resolves with the JSON answer or rejects with a Problem / NetworkError.
export function upload(path, form, onProgress, headers = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/v1${path}`)
    xhr.setRequestHeader('Accept', 'application/json')
    if (session.token) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`)
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((100 * e.loaded) / e.total))
    }
    xhr.onerror = () => reject(new NetworkError(new Error('upload failed')))
    xhr.onload = () => {
      let body = null
      try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null } catch (_) { /* not JSON */ }
      if (xhr.status === 401 && session.token) clearSession()
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(100)
        resolve(body)
      } else reject(new Problem(xhr.status, body))
    }
    xhr.send(form)
  })
}

// download fetches path under /api/v1 with the session's token and saves it as filename (the
// server's Content-Disposition name when it gives one).
export async function download(path, filename) {
  let res
  try {
    res = await fetch(`/api/v1${path}`, { headers: session.token ? { Authorization: `Bearer ${session.token}` } : {} })
  } catch (e) {
    throw new NetworkError(e)
  }
  if (!res.ok) {
    let b = null
    try { b = await res.json() } catch (_) { /* not JSON */ }
    throw new Problem(res.status, b)
  }
  const cd = res.headers.get('Content-Disposition') || ''
  // RFC 6266: filename* (RFC 5987, UTF-8, the Chinese name) wins over the ASCII filename.
  const star = /filename\*=UTF-8''([^;\s]+)/i.exec(cd)
  const plain = /filename="?([^";]+)"?/i.exec(cd)
  let name = filename
  try {
    name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : filename
  } catch (_) {
    name = plain ? plain[1] : filename // a malformed escape
  }
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}

// openPrintable opens the HTML document at path under /api/v1 (a bulletin, a report to print)
// in a new tab: fetched with the session's token and shown from a blob, so the tab needs no
// login of its own. It rejects with the refusal (the tab is closed again).
export async function openPrintable(path) {
  const tab = window.open('', '_blank')
  try {
    const res = await fetch(`/api/v1${path}`, { headers: session.token ? { Authorization: `Bearer ${session.token}` } : {} })
    if (!res.ok) {
      let b = null
      try { b = await res.json() } catch (_) { /* not JSON */ }
      throw new Problem(res.status, b)
    }
    const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html;charset=utf-8' }))
    if (tab) tab.location = url
    else window.location = url
  } catch (e) {
    if (tab) tab.close()
    throw e
  }
}
