// The unread-notification count the header's bell shows, refreshed on navigation and every
// minute.
import { reactive } from 'vue'
import { api, loggedIn } from './api.js'

export const notices = reactive({ unread: 0, more: false })

export async function refreshNotices() {
  if (!loggedIn()) return
  try {
    const out = await api('GET', '/notifications?unread=true&limit=100')
    notices.unread = (out.items || []).length
    notices.more = !!out.next_cursor
  } catch (_) { /* offline: keep the last count */ }
}
