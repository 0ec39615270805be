package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/calendar"
	"tandem/domain"
)

// Registration is a registration reported by market supervision, with its one-time survey.
type Registration struct {
	ID         string
	USCC       string `gorm:"column:uscc"`
	Event      string // new | changed
	Token      string
	ExpiresAt  time.Time
	AnsweredAt *time.Time
	Answer     *string
	ReportedBy string
	CreatedAt  time.Time
	// The prompt letter's 文号 once issued (LetterNumber): the issuing unit, year and sequence.
	LetterUnitID *string
	LetterYear   *int
	LetterSeq    *int
}

func (Registration) TableName() string { return "registrations" }

// LetterNumber issues the prompt letter's number when the letter is first printed: the next in
// the issuing unit's sequence for the year of the letter's date (Asia/Shanghai); a letter
// printed again keeps its number. Two first prints at once cannot take the same number (a
// unique index); the loser takes the next.
func (s *Store) LetterNumber(ctx context.Context, actor string, reg Registration, issuer domain.Unit) (year, seq int, err error) {
	if reg.LetterSeq != nil && reg.LetterYear != nil && reg.LetterUnitID != nil && *reg.LetterUnitID == issuer.ID {
		return *reg.LetterYear, *reg.LetterSeq, nil
	}
	year = reg.CreatedAt.In(calendar.Shanghai).Year()
	for attempt := 0; attempt < 5; attempt++ {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var cur Registration
			if err := tx.Where("id = ?", reg.ID).Take(&cur).Error; err != nil {
				return translate(err, "registration")
			}
			if cur.LetterSeq != nil && cur.LetterUnitID != nil && *cur.LetterUnitID == issuer.ID {
				year, seq = *cur.LetterYear, *cur.LetterSeq
				return nil
			}
			var last *int
			if err := tx.Model(&Registration{}).Where("letter_unit_id = ? AND letter_year = ?", issuer.ID, year).
				Select("max(letter_seq)").Scan(&last).Error; err != nil {
				return translate(err, "registration")
			}
			seq = 1
			if last != nil {
				seq = *last + 1
			}
			if err := tx.Model(&Registration{}).Where("id = ?", reg.ID).
				Updates(map[string]any{"letter_unit_id": issuer.ID, "letter_year": year, "letter_seq": seq}).Error; err != nil {
				return translate(err, "letter number")
			}
			return s.audit(ctx, tx, actor, "registration.letter_number", "registration", reg.ID, issuer.Path, nil,
				map[string]any{"number": domain.DocNumber(issuer, domain.SeriesLetter, year, seq)})
		})
		if domain.ErrorCode(err) != domain.ECONFLICT {
			return year, seq, err
		}
	}
	return 0, 0, err
}

// RegistrationReport is what the market-supervision system reports.
type RegistrationReport struct {
	USCC     string
	Name     string
	Township string
	Industry string
	Event    string
}

// ReportRegistration records a new or changed registration as the roster source
// "registration" (the organization joins the master roster at once) and issues a one-time
// survey link that expires at expires.
func (s *Store) ReportRegistration(ctx context.Context, actor string, r RegistrationReport, expires time.Time) (Registration, error) {
	var v domain.Validation
	code, err := domain.ParseUSCC(r.USCC)
	if err != nil {
		v.Add("uscc", err.Error())
	}
	if textLen := len([]rune(r.Name)); textLen == 0 || textLen > domain.MaxShortText {
		v.AddCode("name", domain.CodeRequiredMaxLength, domain.MaxShortText)
	}
	if r.Event != "new" && r.Event != "changed" {
		v.AddCode("event", domain.CodeNotAllowed, "new、changed")
	}
	if err := v.Err("登记信息不正确"); err != nil {
		return Registration{}, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return Registration{}, err
	}
	now := s.Now()
	reg := Registration{ID: newID(), USCC: string(code), Event: r.Event, Token: base64.RawURLEncoding.EncodeToString(b),
		ExpiresAt: expires, ReportedBy: actor, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		src := SourceValues{USCC: reg.USCC, Source: "registration", ImportID: "registration:" + reg.ID, ObservedAt: now,
			Name: r.Name, Township: r.Township, Industry: r.Industry}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "uscc"}, {Name: "source"}}, UpdateAll: true}).Create(&src).Error; err != nil {
			return translate(err, "organization source")
		}
		if err := s.recomputeSet(tx, now, `SELECT CAST(? AS TEXT) AS uscc`, reg.USCC); err != nil {
			return err
		}
		if err := tx.Create(&reg).Error; err != nil {
			return translate(err, "registration")
		}
		var path string
		if err := tx.Table("organizations").Where("uscc = ?", reg.USCC).Pluck("region_path", &path).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "registration.report", "organization", reg.USCC, path, nil,
			map[string]any{"registration_id": reg.ID, "event": r.Event, "expires_at": expires})
	})
	return reg, err
}

// GetRegistration returns a registration whose organization the caller may view, or that the
// caller reported (a department liaison's unit is not above the organizations it reports).
func (s *Store) GetRegistration(ctx context.Context, p domain.Principal, id string) (Registration, OrganizationRow, error) {
	var reg Registration
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&reg).Error; err != nil {
		return reg, OrganizationRow{}, translate(err, "registration")
	}
	if p.Username != "" && reg.ReportedBy == p.Username {
		var org OrganizationRow
		if err := s.db.WithContext(ctx).Table("organizations").Where("uscc = ?", reg.USCC).Take(&org).Error; err != nil {
			return reg, OrganizationRow{}, translate(err, "registration")
		}
		return reg, org, nil
	}
	d, err := s.GetOrganization(ctx, p, reg.USCC)
	if err != nil {
		return reg, OrganizationRow{}, domain.Errorf(domain.ENOTFOUND, "登记不存在或无权查看")
	}
	return reg, d.OrganizationRow, nil
}

// RegistrationByID returns a registration, unscoped (for activities).
func (s *Store) RegistrationByID(ctx context.Context, id string) (Registration, error) {
	var reg Registration
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&reg).Error
	return reg, translate(err, "registration")
}

// SurveyByToken returns the registration of a survey link and its organization's name.
func (s *Store) SurveyByToken(ctx context.Context, token string) (Registration, string, error) {
	var reg Registration
	if err := s.db.WithContext(ctx).Where("token = ?", token).Take(&reg).Error; err != nil {
		return reg, "", domain.Errorf(domain.ENOTFOUND, "调查表链接无效")
	}
	var name string
	if err := s.db.WithContext(ctx).Table("organizations").Where("uscc = ?", reg.USCC).Pluck("name", &name).Error; err != nil {
		return reg, "", translate(err, "organization")
	}
	return reg, name, nil
}

// SurveyAnswer is what an enterprise declares through its survey link.
type SurveyAnswer struct {
	FormalMembers       int    `json:"formal_members"`
	ProbationaryMembers int    `json:"probationary_members"`
	PartyOrg            string `json:"party_org"`
	Contact             string `json:"contact,omitempty"`
}

// AnswerSurvey records a survey answer once, before the link expires: a used link is a
// conflict, an expired one is gone. The declared members fill the roster where no field visit
// has said otherwise.
func (s *Store) AnswerSurvey(ctx context.Context, token string, a SurveyAnswer) (Registration, error) {
	var reg Registration
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("token = ?", token).Take(&reg).Error; err != nil {
			return domain.Errorf(domain.ENOTFOUND, "调查表链接无效")
		}
		now := s.Now()
		switch {
		case reg.AnsweredAt != nil:
			return domain.Errorf(domain.ECONFLICT, "该调查表已提交过")
		case !now.Before(reg.ExpiresAt):
			return domain.Errorf(domain.EGONE, "该调查表链接已于 %s 过期", reg.ExpiresAt.Format(time.DateOnly))
		}
		answer := jsonText(a)
		res := tx.Model(&Registration{}).Where("id = ? AND answered_at IS NULL", reg.ID).Updates(map[string]any{"answered_at": now, "answer": answer})
		if res.Error != nil {
			return translate(res.Error, "registration")
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ECONFLICT, "该调查表已提交过")
		}
		reg.AnsweredAt, reg.Answer = &now, &answer
		if err := tx.Table("organizations").Where("uscc = ? AND visited_at IS NULL", reg.USCC).Updates(map[string]any{
			"formal_members": a.FormalMembers, "probationary_members": a.ProbationaryMembers, "updated_at": now}).Error; err != nil {
			return translate(err, "organization")
		}
		var path string
		if err := tx.Table("organizations").Where("uscc = ?", reg.USCC).Pluck("region_path", &path).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, "survey:"+reg.ID, "registration.answer", "organization", reg.USCC, path, nil,
			map[string]any{"registration_id": reg.ID, "formal_members": a.FormalMembers, "probationary_members": a.ProbationaryMembers, "party_org": a.PartyOrg})
	})
	return reg, err
}

// SurveyState says whether a registration's survey was answered and which region unit is
// responsible for its organization ("" when none is).
func (s *Store) SurveyState(ctx context.Context, id string) (answered bool, unitID string, err error) {
	reg, err := s.RegistrationByID(ctx, id)
	if err != nil {
		return false, "", err
	}
	var o OrganizationRow
	if err := s.db.WithContext(ctx).Where("uscc = ?", reg.USCC).Take(&o).Error; err != nil {
		return false, "", translate(err, "organization")
	}
	if o.RegionUnitID != nil && o.RegionOwners == 1 {
		unitID = *o.RegionUnitID
	}
	return reg.AnsweredAt != nil, unitID, nil
}

// CheckDeclareMembers is DeclareMembers' rule, made before the follow-up is accepted: the
// organization must be in the roster (the counts themselves are checked by the form).
func (s *Store) CheckDeclareMembers(ctx context.Context, uscc string) error {
	return s.organizationExists(ctx, uscc)
}

// DeclareMembers records member counts learnt when following up a survey, where no field
// visit has said otherwise.
func (s *Store) DeclareMembers(ctx context.Context, actor, uscc string, formal, probationary *int, note string) error {
	if err := s.CheckDeclareMembers(ctx, uscc); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o OrganizationRow
		if err := tx.Where("uscc = ?", uscc).Take(&o).Error; err != nil {
			return translate(err, "organization")
		}
		up := map[string]any{"updated_at": s.Now()}
		if formal != nil {
			up["formal_members"] = *formal
		}
		if probationary != nil {
			up["probationary_members"] = *probationary
		}
		if err := tx.Table("organizations").Where("uscc = ? AND visited_at IS NULL", uscc).Updates(up).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "registration.followup", "organization", uscc, o.RegionPath, nil,
			map[string]any{"formal_members": formal, "probationary_members": probationary, "note": note})
	})
}

// SurveyDeclaration is what an organization declared of its party building (its survey
// answer, or what a follow-up learnt), with the roster's facts the coverage decision needs.
type SurveyDeclaration struct {
	USCC          string
	FormalMembers int
	PartyOrg      string // the coverage the answer declares ("none" …), or the roster's coverage
	Operating     *bool
	Employees     *int
	FixedPremises *bool
	Visited       bool // a field visit has been made: its findings stand, the declaration decides nothing
}

// SurveyDeclarationOf reads what a registration's organization declared.
func (s *Store) SurveyDeclarationOf(ctx context.Context, registrationID string) (SurveyDeclaration, error) {
	reg, err := s.RegistrationByID(ctx, registrationID)
	if err != nil {
		return SurveyDeclaration{}, err
	}
	var o OrganizationRow
	if err := s.db.WithContext(ctx).Where("uscc = ?", reg.USCC).Take(&o).Error; err != nil {
		return SurveyDeclaration{}, translate(err, "organization")
	}
	d := SurveyDeclaration{USCC: reg.USCC, PartyOrg: o.Coverage, Operating: o.Operating, Employees: o.Employees,
		FixedPremises: o.FixedPremises, Visited: o.VisitedAt != nil}
	if o.FormalMembers != nil {
		d.FormalMembers = *o.FormalMembers
	}
	if reg.Answer != nil {
		var a SurveyAnswer
		if json.Unmarshal([]byte(*reg.Answer), &a) == nil {
			if !d.Visited {
				d.FormalMembers = a.FormalMembers
			}
			if a.PartyOrg != "" && (d.PartyOrg == "" || d.PartyOrg == string(domain.CoverageNone)) {
				d.PartyOrg = a.PartyOrg
			}
		}
	}
	return d, nil
}

// RegistrationRound records the one-organization census round (selection "registration",
// tag the registration) that verifies what a registration's survey declared, scoped to the
// organization's township, or where an organization without one is resolved
// (region_scope_path). Recording it again returns the round made.
func (s *Store) RegistrationRound(ctx context.Context, registrationID, actor string) (CensusRound, error) {
	var r CensusRound
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("selection = ? AND tag = ?", "registration", registrationID).Take(&r).Error; err == nil {
			return nil
		}
		var reg Registration
		if err := tx.Where("id = ?", registrationID).Take(&reg).Error; err != nil {
			return translate(err, "registration")
		}
		var o OrganizationRow
		if err := tx.Where("uscc = ?", reg.USCC).Take(&o).Error; err != nil {
			return translate(err, "organization")
		}
		var u unitRow
		q := tx.Where("net = ?", domain.NetRegion)
		switch {
		case o.RegionOwners == 1 && o.RegionUnitID != nil:
			q = q.Where("id = ?", *o.RegionUnitID)
		case o.RegionScopePath != "":
			q = q.Where("path = ?", o.RegionScopePath)
		default:
			q = q.Where("parent_id IS NULL").Order("path")
		}
		if err := q.Take(&u).Error; err != nil {
			return translate(err, "unit")
		}
		r = CensusRound{ID: newID(), UnitID: u.ID, UnitPath: u.Path, Selection: "registration", Tag: registrationID,
			Status: "running", Total: 1, CreatedBy: actor, CreatedAt: s.Now()}
		if err := tx.Create(&r).Error; err != nil {
			return translate(err, "census round")
		}
		var unitID *string
		if o.RegionOwners == 1 {
			unitID = o.RegionUnitID
		}
		if err := tx.Exec(`INSERT INTO census_members (round_id, uscc, unit_id) VALUES (?, ?, ?)`, r.ID, o.USCC, unitID).Error; err != nil {
			return translate(err, "census round")
		}
		return s.audit(ctx, tx, actor, "census.start", "census_round", r.ID, u.Path, nil,
			map[string]any{"select": "registration", "registration_id": registrationID, "uscc": o.USCC, "total": 1})
	})
	return r, err
}
