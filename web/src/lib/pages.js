// all reads every page of a list endpoint (cursor pagination), up to max items.
import { api } from '../api.js'

export async function all(path, max = 5000) {
  const out = []
  let cursor = ''
  do {
    const sep = path.includes('?') ? '&' : '?'
    const page = await api('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    out.push(...(page.items || []))
    cursor = page.next_cursor || ''
  } while (cursor && out.length < max)
  return out
}
