// The words of #19's screens (special inspection rounds, rectification items, demonstration
// points).
import { reactive } from 'vue'
import { api } from '../api.js'

// The statuses and posts with their Chinese words come from the API (GET /inspection-vocabulary,
// domain's labels), read once; a response's own status_label / post_label is used where it has
// one. Only the tag colours are the UI's.
export const vocab = reactive({ round_statuses: [], item_statuses: [], point_statuses: [], posts: [] })
let asked = null
export function loadVocab() {
  if (!asked) {
    asked = api('GET', '/inspection-vocabulary').then((v) => Object.assign(vocab, v)).catch(() => { asked = null })
  }
  return asked
}
const wordIn = (list, code) => (list.find((w) => w.code === code) || {}).label

const roundColours = { returned: 'warning', rectification: 'warning', done: 'success', cancelled: 'info', failed: 'danger' }
export const roundTag = (s) => roundColours[s] || 'primary'
const itemColours = { signed_off: 'success', returned: 'danger', reopened: 'danger', verifying: 'primary' }
export const itemTag = (s) => itemColours[s] || 'warning'
const pointColours = { named: 'success', public_notice: 'primary', warned: 'warning', revoked: 'danger', rejected: 'info' }
export const pointTag = (s) => pointColours[s] || 'warning'

// The steps of an item's or a point's history (its audit records' actions).
const actions = {
  'rectification.plan': '制定整改方案', 'rectification.plan_review': '整改方案审核', 'rectification.report': '提交整改报告',
  'rectification.self_check': '自查', 'rectification.verify': '验收销号', 'rectification.extended': '延长整改期限',
  'rectification.escalated': '逾期升级', 'rectification.recheck': '回头看',
  'demonstration.nominate': '推荐', 'demonstration.status': '状态变更', 'demonstration.review': '材料审核',
  'demonstration.visit': '实地考察', 'demonstration.decision': '评定', 'demonstration.objection': '提出异议',
  'demonstration.objection_answered': '答复异议', 'demonstration.objection_upheld': '异议成立', 'demonstration.named': '命名',
  'demonstration.recheck': '年度复查',
}
export const actionWord = (a) => actions[a] || '其他记录'

// detail picks what a person reads of a history record: the decision and reason, the plan, the
// score, the new status (in Chinese), the due date.
const detailWords = {
  decision: '决定', reason: '理由', measures: '整改措施', responsible: '责任人', summary: '整改情况', score: '评分',
  notes: '说明', answer: '答复', reasons: '推荐理由', working_days: '延长工作日',
}
const decisionWords = {
  approve: '通过', return: '退回', pass: '通过', reject: '不予通过', name: '命名', uphold: '异议成立', dismiss: '异议不成立',
  keep: '保留', warn: '警示', revoke: '摘牌', replace: '更换', overrule: '驳回',
}
export function detail(h) {
  const n = (h && h.new && typeof h.new === 'object') ? h.new : {}
  const out = []
  if (n.status) out.push(`状态：${wordIn(vocab.item_statuses, n.status) || wordIn(vocab.point_statuses, n.status) || n.status}`)
  for (const [k, w] of Object.entries(detailWords)) {
    const v = n[k]
    if (v === undefined || v === null || v === '' || typeof v === 'object') continue
    out.push(`${w}：${k === 'decision' ? (decisionWords[v] || v) : v}`)
  }
  return out.join('；')
}
