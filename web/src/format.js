// How the UI prints dates and times for people: Chinese forms, Asia/Shanghai.
const TZ = 'Asia/Shanghai'

// day prints an instant or a date as 2026年12月1日 (Shanghai).
export function day(v) {
  if (!v) return ''
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00+08:00`) : new Date(v)
  if (Number.isNaN(d.getTime())) return String(v)
  return new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' }).format(d)
}

// dateTime prints an instant as 2026年12月1日 14:05 (Shanghai).
export function dateTime(v) {
  if (!v) return ''
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return String(v)
  const hm = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hour12: false }).format(d)
  return `${day(d)} ${hm}`
}
