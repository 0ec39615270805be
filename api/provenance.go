package api

import (
	"fmt"
	"time"

	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

// fieldProvenance says where the value the registry shows for one field comes from: the
// highest-ranked source that says that value (its extract and row), or the officer who chose it
// in a conflict. Null in the answer: no source says it (a field nobody delivered).
type fieldProvenance struct {
	Source     string     `json:"source,omitempty"`
	Label      string     `json:"label,omitempty"`
	ImportID   string     `json:"import_id,omitempty"`
	Row        int        `json:"row,omitempty"`
	ObservedAt *time.Time `json:"observed_at,omitempty"`
	Missing    bool       `json:"missing,omitempty"` // the source's last extract left the organization out
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// provenanceOf finds, per merged field, what gave the master value (the UI prints "来源：市场监管
// 2026年11月 第 12 行" beside each field without ranking sources itself). Sources come in rank
// order; a source still delivering the organization wins over one that left it out.
func provenanceOf(d store.OrganizationDetail) map[string]*fieldProvenance {
	master := map[roster.Field]string{
		roster.FieldName: d.Name, roster.FieldTownship: d.Township, roster.FieldIndustry: d.Industry,
		roster.FieldSupervisor: d.Supervisor, roster.FieldEmployees: textOf(d.Employees), roster.FieldRegStatus: d.RegStatus,
		roster.FieldAddress: d.Address,
	}
	out := make(map[string]*fieldProvenance, len(master))
	for _, f := range roster.Fields {
		value, merged := master[f]
		if !merged {
			continue
		}
		out[string(f)] = nil
		if value == "" {
			continue
		}
		for _, r := range d.Resolutions {
			if r.Field == string(f) && r.Value == value {
				at := r.ResolvedAt
				out[string(f)] = &fieldProvenance{ResolvedBy: r.ResolvedBy, ResolvedAt: &at}
			}
		}
		if out[string(f)] != nil {
			continue
		}
		for _, missing := range []bool{false, true} {
			for _, sv := range d.Sources {
				if sv.Missing != missing || !sameValue(f, textOf(valueOf(sv, f)), value) {
					continue
				}
				at := sv.ObservedAt
				out[string(f)] = &fieldProvenance{Source: sv.Source, Label: roster.SourceLabel[sv.Source], ImportID: sv.ImportID,
					Row: sv.RowNumber, ObservedAt: &at, Missing: sv.Missing}
				break
			}
			if out[string(f)] != nil {
				break
			}
		}
	}
	return out
}

// sameValue compares a source's value with the master's; registration statuses as normalised
// (市场监管's 存续 and 税务's 正常 are the same status).
func sameValue(f roster.Field, source, master string) bool {
	if source == master {
		return true
	}
	return f == roster.FieldRegStatus && source != "" && domain.RegStatusOf(source) == domain.RegStatusOf(master)
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case *int:
		if x == nil {
			return ""
		}
		return fmt.Sprint(*x)
	}
	return fmt.Sprint(v)
}
