// say turns a refused request into a sentence for people: the server's detail when it is in
// Chinese, otherwise a Chinese sentence for its status (some API details are still English).
const byStatus = {
  400: '请求有误，请检查后重试',
  403: '没有权限进行此操作',
  404: '未找到，或不在您的管辖范围内',
  409: '状态已变化（可能已被他人处理），请刷新后重试',
  413: '文件太大',
  422: '填写的内容有误，请按各项提示修改',
  429: '操作过于频繁或超出限额，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
}

export function say(e) {
  if (!e) return ''
  if (/[\u4e00-\u9fff]/.test(e.message || '')) return e.message
  return byStatus[e.status] || (e.status ? `请求失败（${e.status}）` : e.message || '请求失败')
}
