package domain

import (
	"fmt"
	"sort"
)

// Validation field-error codes: stable English for clients, each with its Chinese text for
// people in the catalogue below. A code names the rule, not the field (the field is beside it).
const (
	CodeRequired     = "required"      // a value is needed
	CodeMaxLength    = "max_length"    // at most %d characters
	CodeMinLength    = "min_length"    // at least %d characters
	CodeTooMany      = "too_many"      // at most %d items
	CodeOutOfRange   = "out_of_range"  // between %d and %d
	CodeNotAllowed   = "not_allowed"   // one of a fixed set (%s)
	CodeBadFormat    = "bad_format"    // the wrong shape (%s)
	CodeBadDate      = "bad_date"      // not a date YYYY-MM-DD
	CodeBadTime      = "bad_time"      // not a time RFC 3339
	CodeInFuture     = "in_future"     // a date after today
	CodeBadUSCC      = "bad_uscc"      // not an 18-character unified social credit code
	CodeDuplicate    = "duplicate"     // the same value twice
	CodeUnknownField = "unknown_field" // a field the input does not have
	CodeNotFound     = "not_found"     // refers to something that does not exist or is not visible
	CodeBadJSON      = "bad_json"      // not valid JSON for this input
	CodeNegative     = "negative"      // a count below 0
	CodeNotPositive  = "not_positive"  // 0 or below where more is needed
	CodeMinValue     = "min_value"     // at least %d
	CodeMaxValue     = "max_value"     // at most %d
	CodeMaxBytes     = "max_bytes"     // at most %d bytes
	CodeLengthRange  = "length_range"  // %d to %d characters
	CodeOutOfScale   = "out_of_scale"  // outside the scheme's scale
	CodeMustBeTrue   = "must_be_true"  // must be confirmed

	CodeRequiredMaxLength       = "required_max_length" // required, at most %d characters
	CodeRequiredDate            = "required_date"
	CodeRequiredWith            = "required_with" // required when %s
	CodeOnlyWith                = "only_with"     // allowed only when %s
	CodeRequiredUnique          = "required_unique"
	CodeBadType                 = "bad_type" // not a JSON %s
	CodeReturnReason            = "return_reason_required"
	CodeNotInScheme             = "not_in_scheme"
	CodeNotVeto                 = "not_veto_item"
	CodeOutOfRangeFloat         = "out_of_range_number"
	CodeNoIndicators            = "no_indicators"
	CodeBranchMetric            = "branch_metric"
	CodeGradesOrder             = "grades_order"
	CodeGradesFromZero          = "grades_from_zero"
	CodeRegisterCounts          = "register_counts"
	CodeRegisterFormal          = "register_formal"
	CodeRegisterProbationary    = "register_probationary"
	CodeJointOrganizations      = "joint_organizations"
	CodeJointOrgRequired        = "joint_party_org_required"
	CodeRegionalOrgRequired     = "regional_org_required"
	CodeImportRequired          = "import_required"
	CodeEndsOn                  = "ends_on"
	CodeDutyRequired            = "duty_required"
	CodeKindOfOtherNet          = "kind_of_other_net"
	CodeParentKind              = "parent_kind"
	CodeParentNet               = "parent_net"
	CodeUsernameChars           = "username_chars"
	CodeBadUTF8                 = "bad_utf8"
	CodeNUL                     = "nul_character"
	CodeControlChar             = "control_character"
	CodeNoSuchUnit              = "no_such_unit"
	CodeEmpty                   = "empty"
	CodeTaken                   = "taken"
	CodeTakenUnderParent        = "taken_under_parent"
	CodeBadCursor               = "bad_cursor"
	CodeNotRegionUnit           = "not_region_unit"
	CodeNotIndustryNet          = "not_industry_net"
	CodeSameUnit                = "same_unit"
	CodeInsideUnit              = "inside_unit"
	CodeOtherNetOrKind          = "other_net_or_kind"
	CodeNoSuchUser              = "no_such_user"
	CodeNotMember               = "not_member"
	CodeIsYou                   = "is_you"
	CodeMaxSize                 = "max_size"
	CodeUnknownTag              = "unknown_tag"
	CodeDocPrefixChars          = "doc_prefix_chars"
	CodeNothingToChange         = "nothing_to_change"
	CodeResponsibilityUnsettled = "responsibility_unsettled"
	CodeOtherRegionUnit         = "other_region_unit"
	CodeFourEyes                = "four_eyes"
	CodeImportMissing           = "import_missing"
	CodeImportNotYours          = "import_not_yours"
	CodeImportOtherSource       = "import_other_source"
	CodeImportOtherUnit         = "import_other_unit"
	CodeImportNotDone           = "import_not_done"
	CodeImportBeforeWindow      = "import_before_window"
	CodeNotInScope              = "not_in_scope"
	CodeNotActivePartyOrg       = "not_active_party_org"
	CodeNotJointBranch          = "not_joint_branch"
	CodeNoConflict              = "no_conflict"
	CodeOverQuota               = "over_quota"
	CodeWholeNumber             = "whole_number"
	CodeJointOnly               = "joint_only"
	CodeNothingToAdjust         = "nothing_to_adjust"
	CodeKindChange              = "kind_change"
	CodeKeepsOneOrg             = "keeps_one_org"
	CodeNotDepartment           = "not_department"
	CodeUnitMerged              = "unit_merged"
	CodeUnreadableFile          = "unreadable_file"
	CodeMissingColumn           = "missing_column"
	CodeTagCode                 = "tag_code"
	CodeEitherOr                = "either_or"
	CodePeriodNotEnded          = "period_not_ended"
	CodeUnknownMapping          = "unknown_mapping_field"
	CodeWrongPassword           = "wrong_password"
	CodeAsOf                    = "as_of"        // not a past month, date or instant
	CodeAsOfFuture              = "as_of_future" // an instant after now

	// The party's rules (domain.md §3); the code names the rule, the text states it.
	CodeRuleMinMembers           = "rule.min_formal_members"
	CodeRuleTemporaryNoCommittee = "rule.temporary_no_committee"
	CodeRuleCommitteeRequired    = "rule.committee_required"
	CodeRuleNoCommittee          = "rule.no_committee"
	CodeRuleJointMaxOrgs         = "rule.joint_max_orgs"
	CodeRuleJointOwnBranch       = "rule.joint_own_branch"
	CodeRuleVoting               = "rule.voting_members"
	CodeRuleAttendance           = "rule.attendance"
	CodeRuleCommitteeSeats       = "rule.committee_seats"
	CodeRuleCompetitive          = "rule.competitive_election"
	CodeRuleNoCommitteeSeats     = "rule.no_committee_seats"
	CodeRuleNoCommitteePosts     = "rule.no_committee_posts"
	CodeRuleMajority             = "rule.majority"
	CodeRuleProbationary         = "rule.probationary_member"
	CodeSumMismatch              = "sum_mismatch"
	CodeExceedsVoting            = "exceeds_voting_members"
	CodeExceedsPresent           = "exceeds_present"
	CodeCandidatePerSeat         = "candidate_per_seat"
	CodeElectedOverSeats         = "elected_over_seats"
	CodeNotInRegister            = "not_in_register"
	CodeOneSecretary             = "one_secretary"
	CodeOneDeputy                = "one_deputy"
)

// messages is the catalogue: each code's Chinese text, with fmt verbs for its arguments.
var messages = map[string]string{
	CodeRequired:     "必填",
	CodeMaxLength:    "不能超过 %d 个字符",
	CodeMinLength:    "至少 %d 个字符",
	CodeTooMany:      "最多 %d 项",
	CodeOutOfRange:   "应在 %d 到 %d 之间",
	CodeNotAllowed:   "取值不在允许范围内（%s）",
	CodeBadFormat:    "格式不正确（%s）",
	CodeBadDate:      "不是有效日期（应为 YYYY-MM-DD）",
	CodeBadTime:      "不是有效时间（应为 RFC 3339，如 2026-01-02T09:00:00+08:00）",
	CodeInFuture:     "不能晚于今天",
	CodeBadUSCC:      "不是有效的 18 位统一社会信用代码",
	CodeDuplicate:    "重复",
	CodeUnknownField: "不是该表单的字段",
	CodeNotFound:     "所指对象不存在或无权查看",
	CodeBadJSON:      "不是有效的 JSON",
	CodeNegative:     "不能为负数",
	CodeNotPositive:  "必须大于 0",
	CodeMinValue:     "不能小于 %d",
	CodeMaxValue:     "不能大于 %d",
	CodeMaxBytes:     "不能超过 %d 字节",
	CodeLengthRange:  "应为 %d 到 %d 个字符",
	CodeOutOfScale:   "超出评分范围",
	CodeMustBeTrue:   "须确认（true）",

	CodeRequiredMaxLength:       "必填，且不能超过 %d 个字符",
	CodeRequiredDate:            "必填，日期格式 YYYY-MM-DD",
	CodeRequiredWith:            "%s 时必填",
	CodeOnlyWith:                "仅在 %s 时填写",
	CodeRequiredUnique:          "必填且不能重复",
	CodeBadType:                 "类型不正确（应为 JSON %s）",
	CodeReturnReason:            "退回时必须写明理由",
	CodeNotInScheme:             "不是本考核方案中的指标或项目",
	CodeNotVeto:                 "%s 不是本考核方案的一票否决项",
	CodeOutOfRangeFloat:         "应在 %g 到 %g 之间",
	CodeNoIndicators:            "至少需要一个指标",
	CodeBranchMetric:            "有下级指标的指标由下级计分，不设数据指标",
	CodeGradesOrder:             "等次应按分数线从高到低排列",
	CodeGradesFromZero:          "最低等次的分数线应为 0",
	CodeRegisterCounts:          "名册中列有正式党员 %d 名、预备党员 %d 名，与填报人数不符",
	CodeRegisterFormal:          "名册中列有正式党员 %d 名，与填报人数不符",
	CodeRegisterProbationary:    "名册中列有预备党员 %d 名，与填报人数不符",
	CodeJointOrganizations:      "联合党支部须列出每家组织及其正式党员人数",
	CodeJointOrgRequired:        "纳入联合党支部时必填（尚无联合党支部时，请先发起联合组建）",
	CodeRegionalOrgRequired:     "请填写区域党组织名称，或给出其 party_org_id",
	CodeImportRequired:          "必填：请先上传本月名册，再填写其导入编号",
	CodeEndsOn:                  "日期格式 YYYY-MM-DD，仅临时党支部填写",
	CodeDutyRequired:            "姓名和分工均须填写",
	CodeKindOfOtherNet:          "单位类型 %s 属于 %s 网",
	CodeParentKind:              "%s 不能设在 %s 之下",
	CodeParentNet:               "%s 网的单位不能设在 %s 网的单位之下",
	CodeUsernameChars:           "只能包含字母、数字和 . _ -",
	CodeBadUTF8:                 "不是有效的 UTF-8 文本",
	CodeNUL:                     "不能包含 NUL 字符（U+0000）",
	CodeControlChar:             "不能包含控制字符 U+%04X",
	CodeNoSuchUnit:              "单位不存在",
	CodeEmpty:                   "内容为空",
	CodeTaken:                   "已被使用",
	CodeTakenUnderParent:        "同一上级单位下已有同名单位",
	CodeBadCursor:               "不是上一页给出的分页游标",
	CodeNotRegionUnit:           "不是区域网单位",
	CodeNotIndustryNet:          "不是行业网单位",
	CodeSameUnit:                "不能是同一个单位",
	CodeInsideUnit:              "不能是本单位或其下级单位",
	CodeOtherNetOrKind:          "单位所属网或类型不同，不能合并",
	CodeNoSuchUser:              "没有该用户名的启用用户",
	CodeNotMember:               "不是任务所在单位或其上级单位的成员",
	CodeIsYou:                   "不能是你自己",
	CodeMaxSize:                 "不能超过 %s",
	CodeUnknownTag:              "不是已定义的标签",
	CodeNothingToChange:         "请至少给出 name、parent_id 或 doc_prefix 之一",
	CodeResponsibilityUnsettled: "%s 有 %d 个属地责任单位：请先明确其属地责任",
	CodeOtherRegionUnit:         "%s 属于其他街道（乡镇）或园区",
	CodeFourEyes:                "%s 已办理本任务所审核的上一步，不能再办理本任务（四眼原则）",
	CodeImportMissing:           "没有该名册导入：请先上传本期名册（POST /roster-imports）",
	CodeImportNotYours:          "名册须由负责报送的联络员本人上传",
	CodeImportOtherSource:       "本任务要求报送 %s 名册，该导入是 %s 名册",
	CodeImportOtherUnit:         "该导入不是为本任务所属部门报送的",
	CodeImportNotDone:           "该导入尚未完成（状态：%s）",
	CodeImportBeforeWindow:      "名册 %s 上传于 %s，早于 %s 报送窗口开启（%s），不是本期报送；请重新上传本期名册",
	CodeNotInScope:              "应为“%s”范围内、未被合并的区域网单位",
	CodeNotActivePartyOrg:       "不是正常运行的党组织",
	CodeNotJointBranch:          "“%s”不是联合党支部，不能以联合党支部方式纳入",
	CodeNoConflict:              "各来源的 %s 一致，且没有待撤销的裁定",
	CodeOverQuota:               "超过上传配额：每位用户 30 天内最多上传 %s",
	CodeWholeNumber:             "应为整数",
	CodeJointOnly:               "只有联合党支部可以覆盖多家组织",
	CodeNothingToAdjust:         "请给出新的类型，或要加入、移除的组织",
	CodeKindChange:              "应为 branch、general_branch、base_committee、joint 或 mobile；临时党支部不能改为其他类型",
	CodeKeepsOneOrg:             "党组织至少保留一家组织（如需撤销请解散党组织）",
	CodeNotDepartment:           "须为部门单位（net department，kind department），不能是 %s",
	CodeUnitMerged:              "该单位已并入 %s",
	CodeUnreadableFile:          "不是可读取的 CSV 或 XLSX 文件",
	CodeMissingColumn:           "缺少“%s”列（名称、类型）",
	CodeTagCode:                 "应为 1–64 个字符，不含空格、逗号或斜杠",
	CodeEitherOr:                "%s 只能给出其一",
	CodePeriodNotEnded:          "周期结束后才能运行（结束日期 %s）",
	CodeUnknownMapping:          "未知的名册字段 %s",
	CodeWrongPassword:           "当前密码不正确",
	CodeDocPrefixChars:          "不能包含〔〕、括号、“号”、数字或控制字符（年份和序号由系统编排）",
	CodeAsOf:                    "应为已过去的月份（YYYY-MM，该月数据报送结束时的状态）、日期（YYYY-MM-DD，当日24时的状态）或 RFC 3339 时刻",
	CodeAsOfFuture:              "不能晚于当前时间",

	CodeRuleMinMembers:           "组建条件：成立党组织至少需要正式党员 %d 名，现有 %d 名",
	CodeRuleTemporaryNoCommittee: "临时党支部：委员由上级党组织指定，不选举支部委员会",
	CodeRuleCommitteeRequired:    "支委会：正式党员 %d 名（≥%d 名），应设立支部委员会",
	CodeRuleNoCommittee:          "支委会：正式党员不足 %d 名的党支部只设书记（可设副书记），不设支部委员会",
	CodeRuleJointMaxOrgs:         "联合党支部：最多联合 %d 家组织，现有 %d 家",
	CodeRuleJointOwnBranch:       "联合党支部：%s 有正式党员 %d 名，应单独成立党支部",
	CodeRuleVoting:               "表决权：只有正式党员有表决权，最多 %d 人，填报 %d 人",
	CodeRuleAttendance:           "到会人数：应到会有表决权党员 %d 名，须超过五分之四（至少 %d 名），实到 %d 名",
	CodeRuleCommitteeSeats:       "支委会：支部委员会设委员 %d–%d 名，填报 %d 名",
	CodeRuleCompetitive:          "差额选举：候选人至少 ⌈%d × 1.2⌉ = %d 名，填报 %d 名",
	CodeRuleNoCommitteeSeats:     "支委会：不设支部委员会时设 1–2 个职位（书记，可设副书记）",
	CodeRuleNoCommitteePosts:     "支委会：不设支部委员会时只选举书记和副书记",
	CodeRuleMajority:             "当选票数：须超过应到会有表决权党员 %d 名的半数（至少 %d 票），得 %d 票",
	CodeRuleProbationary:         "预备党员：预备党员没有表决权、选举权和被选举权",
	CodeSumMismatch:              "应等于各组织正式党员之和（%d）",
	CodeExceedsVoting:            "不能超过有表决权的党员人数",
	CodeExceedsPresent:           "不能超过到会人数",
	CodeCandidatePerSeat:         "每个职位至少一名候选人",
	CodeElectedOverSeats:         "当选 %d 人，多于应选职位 %d 个",
	CodeNotInRegister:            "不在该组织的党员名册中",
	CodeOneSecretary:             "必须且只能选出一名书记",
	CodeOneDeputy:                "最多选出一名副书记",
	// Special inspection rounds (#19): 回避 rules name the member, the target and the member's unit.
	CodeAvoidOwnUnit:  "回避（本单位）：%s 所在单位“%s”就是被督查单位“%s”或属于其下级，不能督查该单位",
	CodeAvoidSubunit:  "回避（上下级）：被督查单位“%[3]s”属于 %[1]s 所在单位“%[2]s”，该单位低于本轮督查的牵头单位，不能督查其下级",
	CodeAvoidDeclared: "回避（本人申报）：%s 已申报与被督查单位“%s”存在利害关系",
	CodeOneLeader:     "被督查单位“%s”的督查组须有且只有一名组长（现有 %d 名）",
	CodeNotTeamTarget: "不是本轮督查的被督查单位",
	CodeNotWorkingDay: "%s 不是工作日",
	CodeBeforeToday:   "不能早于今天（%s）",
	CodeBeforeStart:   "不能早于开始日期 %s",
	CodeFieldTooLong:  "实地督查最长 %d 天",
}

// Message is the Chinese text of a catalogue code with args filled in; an unknown code is
// returned as it is (TestMessagesCatalogue keeps every code used in the tree in the catalogue).
func Message(code string, args ...any) string {
	m, ok := messages[code]
	if !ok {
		return code
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// MessageCodes lists the catalogue's codes (for tests and the OpenAPI document).
func MessageCodes() []string {
	out := make([]string, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
