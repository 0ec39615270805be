// The Chinese names of the roster's fields (the columns an extract delivers), as screens label them.
export const rosterFields = [
  ['name', '名称'], ['township', '所属乡镇（街道）'], ['industry', '行业'], ['supervisor', '主管部门'],
  ['employees', '从业人数'], ['reg_status', '登记状态'], ['address', '地址'],
]
export const fieldLabel = Object.fromEntries(rosterFields)
