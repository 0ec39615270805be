package activities

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
)

// TestPayloadJSON pins the JSON of the payloads workflows exchange with these activities to
// what the histories recorded when they were the store's structs (checked byte for byte
// against the store types when they moved): a change here breaks running workflows.
func TestPayloadJSON(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, c := range []struct {
		value any
		want  string
	}{
		{Officer{Name: "张三", Post: "secretary"}, `{"name":"张三","post":"secretary"}`},
		{MemberEntry{Name: "a", Status: "formal", HomeOrg: "h", JoinedOn: "2020-01-01"},
			`{"Name":"a","Status":"formal","HomeOrg":"h","JoinedOn":"2020-01-01"}`},
		{TransferInput{FormationID: "f", Committee: true, UpgradePrompt: domain.KindGeneralBranch, EndsOn: "2027-01-01", Actor: "x"},
			`{"FormationID":"f","Committee":true,"UpgradePrompt":"general_branch","EndsOn":"2027-01-01","Actor":"x"}`},
		{PartyOrgChange{Kind: domain.KindBranch, Add: []string{"a"}, Remove: []string{"b"}}, `{"kind":"branch","add":["a"],"remove":["b"]}`},
		{PartyOrgChange{}, `{}`},
		{Assessed{AssessmentID: "a", UnitID: "u", ScorerUnitID: "s", ReviewerUnitID: "r"},
			`{"AssessmentID":"a","UnitID":"u","ScorerUnitID":"s","ReviewerUnitID":"r"}`},
		{PartyOrgReview{PartyOrgID: "p", USCC: "u", Missing: true}, `{"PartyOrgID":"p","USCC":"u","Missing":true}`},
		{ImportResult{ID: "i", Source: "s", Filename: "f", BlobKey: "b", FileSHA256: "h", Status: "done", Encoding: "e", Sheet: "sh",
			HeaderRow: 1, Mapping: "m", Options: "o", Rows: 2, Accepted: 3, Rejected: 4, Warnings: 5, NewOrgs: 6, Changed: 7, Unchanged: 8,
			Conflicts: 9, Missing: 10, SourceOrganizations: 11, UnitID: "u", WaitingFor: "w", DecidedBy: "d", DecisionReason: "r",
			Error: "err", CreatedBy: "c", CreatedAt: at, StartedAt: &at, FileRemovedAt: &at},
			`{"ID":"i","Source":"s","Filename":"f","BlobKey":"b","FileSHA256":"h","Status":"done","Encoding":"e","Sheet":"sh",` +
				`"HeaderRow":1,"Mapping":"m","Options":"o","Rows":2,"Accepted":3,"Rejected":4,"Warnings":5,"NewOrgs":6,"Changed":7,` +
				`"Unchanged":8,"Conflicts":9,"Missing":10,"SourceOrganizations":11,"UnitID":"u","WaitingFor":"w","DecidedBy":"d",` +
				`"DecisionReason":"r","Error":"err","CreatedBy":"c","CreatedAt":"2026-03-04T05:06:07Z","StartedAt":"2026-03-04T05:06:07Z",` +
				`"FinishedAt":null,"FileRemovedAt":"2026-03-04T05:06:07Z"}`},
	} {
		got, err := json.Marshal(c.value)
		if err != nil || string(got) != c.want {
			t.Errorf("%T:\n got %s %v\nwant %s", c.value, got, err, c.want)
			continue
		}
		back := reflect.New(reflect.TypeOf(c.value))
		if err := json.Unmarshal([]byte(c.want), back.Interface()); err != nil || !reflect.DeepEqual(back.Elem().Interface(), c.value) {
			t.Errorf("%T does not read its recorded JSON back: %+v %v", c.value, back.Elem().Interface(), err)
		}
	}
}

// TestImportResultCopiesEveryField fills every field of a store import with a distinct value
// and expects each field of the workflow payload to carry the store field of its name.
func TestImportResultCopiesEveryField(t *testing.T) {
	var imp store.RosterImport
	v := reflect.ValueOf(&imp).Elem()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Interface().(type) {
		case string, domain.ImportStatus:
			f.SetString("v" + strconv.Itoa(i))
		case int:
			f.SetInt(int64(i + 1))
		case time.Time:
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Minute)))
		case *time.Time:
			ts := at.Add(time.Duration(i) * time.Hour)
			f.Set(reflect.ValueOf(&ts))
		default:
			t.Fatalf("field %s: a type this test does not fill", v.Type().Field(i).Name)
		}
	}
	out := reflect.ValueOf(importResult(imp))
	for i := range out.NumField() {
		name := out.Type().Field(i).Name
		src := v.FieldByName(name)
		if !src.IsValid() {
			t.Errorf("ImportResult.%s has no store field of that name: map it in importResult", name)
			continue
		}
		if !reflect.DeepEqual(out.Field(i).Interface(), src.Interface()) {
			t.Errorf("ImportResult.%s = %v, the store's is %v", name, out.Field(i).Interface(), src.Interface())
		}
	}
}
