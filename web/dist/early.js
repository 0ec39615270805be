// The inbox's first request, started by a classic script in index.html's head, before the
// module scripts are fetched, parsed and run: on a slow phone the GET /tasks travels while the
// bundle loads. Only for a kept session opening the inbox with no filter (the inbox's default
// query, built as views/Inbox.vue builds it); the inbox takes the response when it asks for
// exactly this path (src/early.js takeEarly), otherwise it is dropped. Not content-hashed:
// served like index.html (max-age 300), and a stale copy can only miss, never mislead.
(function () {
  try {
    var s = JSON.parse(localStorage.getItem('tandem.session') || 'null')
    var fresh = s && s.token && (!s.expiresAt || new Date(s.expiresAt) > new Date())
    if (!fresh || (location.pathname !== '/' && location.pathname !== '/inbox') || location.search) return
    var p = new URLSearchParams()
    p.set('status', 'open,claimed')
    p.set('sort', 'due')
    p.set('limit', '50')
    var path = '/tasks?' + p
    var res = fetch('/api/v1' + path, { headers: { Accept: 'application/json', Authorization: 'Bearer ' + s.token } })
    res.catch(function () {}) // whoever takes it sees the failure
    window.tandemEarly = { path: path, res: res }
  } catch (_) { /* no storage: the inbox asks itself */ }
})()
