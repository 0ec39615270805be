// The words of #19's screens (special inspection rounds, rectification items, demonstration
// points). The API gives these statuses as codes without *_label fields, so the Chinese words
// live here, once, beside their tag colours.
export const roundStatus = {
  plan_review: '方案审核中', returned: '方案已退回', team: '待组建督查组', field: '实地督查中', feedback: '反馈中',
  rectification: '整改中', done: '已完成', cancelled: '已取消', failed: '已失败',
}
const roundColours = { returned: 'warning', rectification: 'warning', done: 'success', cancelled: 'info', failed: 'danger' }
export const roundTag = (s) => roundColours[s] || 'primary'

export const itemStatus = {
  planning: '制定整改方案', plan_review: '方案审核', in_progress: '整改中', self_check: '自查', verifying: '验收中',
  signed_off: '已销号', returned: '退回重新整改', reopened: '回头看重新打开',
}
const itemColours = { signed_off: 'success', returned: 'danger', reopened: 'danger', verifying: 'primary' }
export const itemTag = (s) => itemColours[s] || 'warning'

export const pointStatus = {
  nominated: '已推荐', file_review: '材料审核', site_visit: '实地考察', decision: '评定', public_notice: '公示中',
  named: '已命名', warned: '已警示', revoked: '已摘牌', rejected: '未通过',
}
const pointColours = { named: 'success', public_notice: 'primary', warned: 'warning', revoked: 'danger', rejected: 'info' }
export const pointTag = (s) => pointColours[s] || 'warning'

export const posts = { leader: '组长', deputy: '副组长', member: '成员' }

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
  if (n.status) out.push(`状态：${itemStatus[n.status] || pointStatus[n.status] || n.status}`)
  for (const [k, w] of Object.entries(detailWords)) {
    const v = n[k]
    if (v === undefined || v === null || v === '' || typeof v === 'object') continue
    out.push(`${w}：${k === 'decision' ? (decisionWords[v] || v) : v}`)
  }
  return out.join('；')
}
