// Package roster reads the extracts that departments deliver (CSV in UTF-8, UTF-8 with BOM,
// GBK or GB18030; XLSX), finds the header row, maps columns by their many names, and turns
// each data row into a Record or a Reject. It streams: a file is never held in memory whole.
package roster

import (
	"strings"

	"tandem/domain"
)

// Field is a canonical roster field.
type Field string

const (
	FieldUSCC       Field = "uscc"       // 统一社会信用代码
	FieldName       Field = "name"       // 名称
	FieldTownship   Field = "township"   // 所属乡镇（街道）
	FieldIndustry   Field = "industry"   // 行业门类
	FieldSupervisor Field = "supervisor" // 业务主管单位
	FieldEmployees  Field = "employees"  // 从业人数
	FieldRegStatus  Field = "reg_status" // 登记状态
	FieldAddress    Field = "address"    // 住所
	// The annual report's party-building fields 年报党建信息.
	FieldPartyMembers Field = "party_members" // 党员人数
	FieldPartyOrg     Field = "party_org"     // 是否建立党组织
)

// Fields lists the canonical fields in a stable order; USCC first.
var Fields = []Field{FieldUSCC, FieldName, FieldTownship, FieldIndustry, FieldSupervisor, FieldEmployees, FieldRegStatus, FieldAddress,
	FieldPartyMembers, FieldPartyOrg}

// synonyms are the header texts departments use, normalised by normHeader.
var synonyms = map[Field][]string{
	FieldUSCC:         {"统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "单位统一社会信用代码", "统一代码", "注册号/统一社会信用代码", "统一社会信用代码/注册号", "uscc", "creditcode"},
	FieldName:         {"企业名称", "单位名称", "纳税人名称", "名称", "组织名称", "社会组织名称", "机构名称", "企业(机构)名称", "name"},
	FieldTownship:     {"所属乡镇(街道)", "所属乡镇街道", "所属街道", "乡镇(街道)", "乡镇街道", "所属乡镇", "街道", "乡镇", "township"},
	FieldIndustry:     {"行业门类", "所属行业", "行业", "行业分类", "国民经济行业", "industry"},
	FieldSupervisor:   {"业务主管单位", "主管单位", "行业主管部门", "supervisor"},
	FieldEmployees:    {"从业人数", "参保人数", "职工人数", "从业人员", "员工人数", "在职人数", "employees"},
	FieldRegStatus:    {"登记状态", "经营状态", "企业状态", "状态", "登记状况", "reg_status"},
	FieldAddress:      {"住所", "地址", "注册地址", "经营地址", "住所(经营场所)", "address"},
	FieldPartyMembers: {"党员人数", "中共党员人数", "党员数", "中共党员(含预备党员)人数", "party_members"},
	FieldPartyOrg:     {"是否建立党组织", "是否成立党组织", "党组织建立情况", "建立党组织情况", "是否建有党组织", "party_org"},
}

var synonymIndex = func() map[string]Field {
	m := map[string]Field{}
	for f, names := range synonyms {
		for _, n := range names {
			m[normHeader(n)] = f
		}
	}
	return m
}()

// normHeader folds the ways one header is written: full-width forms, brackets, spaces, case.
func normHeader(s string) string {
	s = domain.NormalizeUSCC(s) // trims, folds full-width to half-width, upper-cases
	return strings.ToLower(headerFolds.Replace(s))
}

var headerFolds = strings.NewReplacer("（", "(", "）", ")", " ", "", "\t", "", "*", "", "：", "", ":", "")

// FieldOfHeader returns the field a header text names, if any.
func FieldOfHeader(h string) (Field, bool) {
	f, ok := synonymIndex[normHeader(h)]
	return f, ok
}

// SourceLabel is the Chinese name of a source: the departments that deliver rosters as files,
// and the two fed one organization at a time, field visits and registrations. (While sources
// disagree the master shows the value of the first in the order field, market, civil, tax,
// social, statistics, industry, annual report: store's sourceRank.)
var SourceLabel = map[string]string{
	"market": "市场监管", "civil": "民政", "tax": "税务", "social": "社保", "statistics": "统计",
	"industry": "工信", "annual_report": "年报", "field": "实地走访", "registration": "登记报告",
}

// FileSource reports whether s is a source that delivers rosters as files: a department, not
// field visits or registrations.
func FileSource(s string) bool {
	_, ok := SourceLabel[s]
	return ok && s != "field" && s != "registration"
}
