package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Net is one of the two nets of responsibility, or the joint meeting's member departments.
type Net string

const (
	NetRegion     Net = "region"     // 横轴: city → county → township/street → park, building, district, community
	NetIndustry   Net = "industry"   // 纵轴: industry party committees 行业党委
	NetDepartment Net = "department" // member departments of the joint meeting 联席会议成员单位
)

// UnitKind says what a unit is within its net.
type UnitKind string

const (
	KindCity       UnitKind = "city"       // 市两新工委
	KindCounty     UnitKind = "county"     // 县（区）两新工委
	KindTownship   UnitKind = "township"   // 乡镇（街道）
	KindPark       UnitKind = "park"       // 园区
	KindBuilding   UnitKind = "building"   // 楼宇
	KindDistrict   UnitKind = "district"   // 商圈
	KindCommunity  UnitKind = "community"  // 村（社区）
	KindCommittee  UnitKind = "committee"  // 行业党委
	KindDepartment UnitKind = "department" // 成员部门（税务、市场监管、民政、社保……）
)

// Label is the net's Chinese name, as the UI shows it.
func (n Net) Label() string {
	return map[Net]string{NetRegion: "区域", NetIndustry: "行业", NetDepartment: "部门"}[n]
}

// Label is the kind's Chinese name, as the UI shows it.
func (k UnitKind) Label() string {
	return map[UnitKind]string{
		KindCity: "市", KindCounty: "县（区）", KindTownship: "乡镇（街道）", KindPark: "园区", KindBuilding: "楼宇",
		KindDistrict: "商圈", KindCommunity: "村（社区）", KindCommittee: "行业党委", KindDepartment: "成员部门",
	}[k]
}

// regionRank orders the kinds of the region net: a child ranks below its parent.
var regionRank = map[UnitKind]int{
	KindCity: 0, KindCounty: 1, KindTownship: 2,
	KindPark: 3, KindBuilding: 3, KindDistrict: 3, KindCommunity: 3,
}

// Unit is a node of a net: a party committee or office that is responsible for organizations
// and to which users belong.
type Unit struct {
	ID         string
	Name       string
	Net        Net
	Kind       UnitKind
	ParentID   *string
	Path       string  // materialised path "/root-id/…/id/", used to scope queries to a subtree
	MergedInto *string // set when the unit was merged into another (its successor)
	CreatedAt  time.Time
	// DocPrefix is the unit's 文号 prefix (发文字号, e.g. 西党建) for the documents it issues; ""
	// for the default, its name and the series word (DocNumber).
	DocPrefix string
}

// Document series: the word a default 文号 prefix adds to the issuing unit's name, and a
// configured prefix to a series other than the bulletin.
const (
	SeriesBulletin = "两新通" // a month's bulletin 通报, numbered by its month
	SeriesLetter   = "两新提" // a prompt letter 提示函, numbered in the year's order of printing
)

// DocNumber is the 文号 of a document of a series issued by u in year, the seq-th of the year:
// 西城县两新通〔2026〕11号 by default; with a configured prefix 西党建, 西党建〔2026〕11号 for a
// bulletin and 西党建提〔2026〕3号 for a letter (the series' last character tells them apart).
func DocNumber(u Unit, series string, year, seq int) string {
	prefix := u.Name + series
	if p := strings.TrimSpace(u.DocPrefix); p != "" {
		prefix = p
		if series != SeriesBulletin {
			r := []rune(series)
			prefix += string(r[len(r)-1])
		}
	}
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, seq)
}

// ValidateDocPrefix checks a 文号 prefix: at most MaxDocPrefix characters, without the 〔〕 and
// 号 the number adds, digits or control characters ("" restores the default).
func ValidateDocPrefix(p string) *FieldError {
	p = strings.TrimSpace(p)
	if utf8.RuneCountInString(p) > MaxDocPrefix {
		f := FieldFailed("doc_prefix", CodeMaxLength, MaxDocPrefix)
		return &f
	}
	if strings.ContainsAny(p, "〔〕[]()（）号0123456789") || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		f := FieldFailed("doc_prefix", CodeDocPrefixChars)
		return &f
	}
	return nil
}

// NetOf returns the net a kind belongs to, or "" for an unknown kind.
func NetOf(k UnitKind) Net {
	switch {
	case k == KindCommittee:
		return NetIndustry
	case k == KindDepartment:
		return NetDepartment
	}
	if _, ok := regionRank[k]; ok {
		return NetRegion
	}
	return ""
}

// ValidateUnit checks a new unit against its parent (nil for a root). The city unit 市两新工委
// heads both nets, so industry committees and departments may hang under a city unit;
// otherwise a child stays in its parent's net, and in the region net it ranks below it.
func ValidateUnit(u Unit, parent *Unit) error {
	var v Validation
	name := strings.TrimSpace(u.Name)
	switch {
	case name == "":
		v.AddCode("name", CodeRequired)
	case utf8.RuneCountInString(name) > MaxShortText:
		v.AddCode("name", CodeMaxLength, MaxShortText)
	}
	kindNet := NetOf(u.Kind)
	switch {
	case u.Net != NetRegion && u.Net != NetIndustry && u.Net != NetDepartment:
		v.AddCode("net", CodeNotAllowed, "region、industry、department")
	case kindNet == "":
		v.AddCode("kind", CodeNotAllowed, "city、county、township、park、building、district、community、committee、department")
	case kindNet != u.Net:
		v.AddCode("kind", CodeKindOfOtherNet, u.Kind, kindNet)
	}
	if len(v) == 0 && parent != nil {
		switch {
		case parent.Net == u.Net && u.Net == NetRegion:
			if regionRank[u.Kind] <= regionRank[parent.Kind] {
				v.AddCode("parent_id", CodeParentKind, u.Kind, parent.Kind)
			}
		case parent.Net == u.Net:
			// committees under committees (sub-committees), departments under departments
		case parent.Kind == KindCity:
			// the city 两新工委 heads both nets and the joint meeting
		default:
			v.AddCode("parent_id", CodeParentNet, u.Net, parent.Net)
		}
	}
	return v.Err("单位信息不正确")
}
