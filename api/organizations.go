package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/calendar"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

type organizationResponse struct {
	USCC                string             `json:"uscc"`
	Name                string             `json:"name"`
	RegionUnitID        *string            `json:"region_unit_id"`
	IndustryUnitID      *string            `json:"industry_unit_id"`
	RegionOwners        int                `json:"region_owners"`
	IndustryOwners      int                `json:"industry_owners"`
	Coverage            string             `json:"coverage"`
	Operating           *bool              `json:"operating"`
	OperatingBasis      string             `json:"operating_basis"` // deregistration | visit | registration | "" (unknown)
	OperatingObservedAt *time.Time         `json:"operating_observed_at"`
	TemporaryBranch     bool               `json:"temporary_branch"`
	Missing             bool               `json:"missing"`
	Township            string             `json:"township"`
	Industry            string             `json:"industry"`
	Supervisor          string             `json:"supervisor"`
	Employees           *int               `json:"employees"`
	RegStatus           string             `json:"reg_status"`
	Address             string             `json:"address"`
	Conflicts           []conflictResponse `json:"conflicts"`
	ThreeHaves          threeHaves         `json:"three_haves"`
	Visit               *visitResponse     `json:"visit"` // null until a field visit
	FormalMembers       *int               `json:"formal_members"`
	ProbationaryMembers *int               `json:"probationary_members"`
	Instructor          string             `json:"instructor,omitempty"`
	UpdatedAt           time.Time          `json:"updated_at"`

	CoverageLabel string `json:"coverage_label"` // the coverage in Chinese, e.g. 单独组建
}

type visitResponse struct {
	At            time.Time `json:"at"`
	By            string    `json:"by"`
	Operating     *bool     `json:"operating"`
	OwnerIsMember *bool     `json:"owner_is_member"`
}

// threeHaves are the 三有 checks that decide whether an organization counts as a real operating
// one: null when not known yet (fixed premises come with the census visit).
type threeHaves struct {
	Result        domain.ThreeHaves `json:"result"` // pass | fail | unknown (unknown is never fail)
	Operating     *bool             `json:"operating"`
	Employees     *bool             `json:"employees"`
	FixedPremises *bool             `json:"fixed_premises"`
	MinEmployees  int               `json:"min_employees"`
}

type conflictResponse struct {
	Field  string         `json:"field"`
	Values []sourcedValue `json:"values"`
}

type sourcedValue struct {
	Source     string    `json:"source"`
	Value      any       `json:"value"`
	ImportID   string    `json:"import_id"`
	ObservedAt time.Time `json:"observed_at"`
}

func (s *Server) orgFrom(o store.OrganizationRow) organizationResponse {
	min := s.Store.HeadCount()
	// o.Operating is domain.OperatingState (注销 wins, then the latest visit, then registration).
	th := threeHaves{Result: domain.ThreeHavesOf(o.Operating, o.Employees, o.FixedPremises, min), Operating: o.Operating,
		FixedPremises: o.FixedPremises, MinEmployees: min}
	if o.Employees != nil {
		ok := *o.Employees >= min
		th.Employees = &ok
	}
	return organizationResponse{ThreeHaves: th, USCC: o.USCC, Name: o.Name, RegionUnitID: o.RegionUnitID, IndustryUnitID: o.IndustryUnitID,
		RegionOwners: o.RegionOwners, IndustryOwners: o.IndustryOwners, Coverage: o.Coverage, CoverageLabel: domain.Coverage(o.Coverage).Label(), Operating: o.Operating,
		OperatingBasis: o.OperatingBasis, OperatingObservedAt: o.OperatingObservedAt, TemporaryBranch: o.TemporaryBranch,
		Missing: o.Missing, Township: o.Township, Industry: o.Industry, Supervisor: o.Supervisor, Employees: o.Employees,
		RegStatus: o.RegStatus, Address: o.Address, Conflicts: []conflictResponse{}, UpdatedAt: o.UpdatedAt,
		FormalMembers: o.FormalMembers, ProbationaryMembers: o.ProbationaryMembers, Instructor: o.Instructor, Visit: visitOf(o)}
}

func visitOf(o store.OrganizationRow) *visitResponse {
	if o.VisitedAt == nil {
		return nil
	}
	return &visitResponse{At: *o.VisitedAt, By: o.VisitedBy, Operating: o.VisitedOperating, OwnerIsMember: o.OwnerIsMember}
}

func valueOf(sv store.SourceValues, f roster.Field) any {
	switch f {
	case roster.FieldName:
		return sv.Name
	case roster.FieldTownship:
		return sv.Township
	case roster.FieldIndustry:
		return sv.Industry
	case roster.FieldSupervisor:
		return sv.Supervisor
	case roster.FieldEmployees:
		if sv.Employees == nil {
			return nil
		}
		return *sv.Employees
	case roster.FieldRegStatus:
		return sv.RegStatus
	case roster.FieldAddress:
		return sv.Address
	}
	return nil
}

func (s *Server) listOrganizations(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	p := principal(c)
	f := store.OrganizationFilter{Coverage: c.Query("coverage"), Tag: c.Query("tag"), Text: c.Query("text"), Page: page,
		Conflicts: c.Query("conflicts") == "true"}
	var v domain.Validation
	switch {
	case f.Coverage == "" || domain.Coverage(f.Coverage).Valid():
	default:
		v.AddCode("coverage", domain.CodeNotAllowed, "none、single、joint、regional、work")
	}
	for _, name := range []string{"operating", "missing"} {
		if q := c.Query(name); q != "" {
			b, err := strconv.ParseBool(q)
			if err != nil {
				v.Add(name, "true or false")
			}
			if name == "operating" {
				f.Operating = &b
			} else {
				f.Missing = &b
			}
		}
	}
	if err := v.Err("筛选条件不正确"); err != nil {
		fail(c, err)
		return
	}
	path, err := s.unitFilter(c, p)
	if err != nil {
		fail(c, err)
		return
	}
	f.UnitPath = path
	rows, next, err := s.Store.ListOrganizations(c.Request.Context(), p, f)
	if err != nil {
		fail(c, err)
		return
	}
	var disputed []string
	for _, o := range rows {
		if o.ConflictFields != "" {
			disputed = append(disputed, o.USCC)
		}
	}
	sources, err := s.Store.SourcesOf(c.Request.Context(), disputed)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]organizationResponse, len(rows))
	for i, o := range rows {
		out[i] = s.orgFrom(o)
		out[i].Conflicts = conflictsOf(o.ConflictFields, sources[o.USCC])
	}
	c.JSON(http.StatusOK, list(out, next))
}

// conflictsOf lists, per disputed field, what each current source says: the list and the
// detail show the same values.
func conflictsOf(fields string, sources []store.SourceValues) []conflictResponse {
	out := []conflictResponse{}
	for _, cf := range splitFields(fields) {
		cr := conflictResponse{Field: cf, Values: []sourcedValue{}}
		for _, sv := range sources {
			if v := valueOf(sv, roster.Field(cf)); !sv.Missing && v != nil && v != "" {
				cr.Values = append(cr.Values, sourcedValue{Source: sv.Source, Value: v, ImportID: sv.ImportID, ObservedAt: sv.ObservedAt})
			}
		}
		out = append(out, cr)
	}
	return out
}

func splitFields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

type organizationDetailResponse struct {
	organizationResponse
	Sources      []sourceResponse      `json:"sources"`
	Resolutions  []resolutionResponse  `json:"resolutions"`
	Tags         []string              `json:"tags"`
	AnnualReport *annualReportResponse `json:"annual_report"` // null: no annual report mentions it
	// Provenance: per merged field, the source (or the resolution) its value comes from.
	Provenance map[string]*fieldProvenance `json:"provenance"`
}

// annualReportResponse is what the latest annual report says of the organization's party
// building, and where the roster contradicts it (the contradictions a census round verifies).
type annualReportResponse struct {
	ImportID     string                 `json:"import_id"`
	ReportedAt   time.Time              `json:"reported_at"`
	PartyMembers *int                   `json:"party_members"`
	PartyOrg     string                 `json:"party_org"`
	Disagrees    []annualDisagreeAnswer `json:"disagrees"`
}

type annualDisagreeAnswer struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

type sourceResponse struct {
	Source     string         `json:"source"`
	Label      string         `json:"label"`
	ImportID   string         `json:"import_id"`
	Row        int            `json:"row"`
	ObservedAt time.Time      `json:"observed_at"`
	Missing    bool           `json:"missing"`
	Values     map[string]any `json:"values"`
}

type resolutionResponse struct {
	Field      string    `json:"field"`
	Value      string    `json:"value"`
	Reason     string    `json:"reason"`
	ResolvedBy string    `json:"resolved_by"`
	ResolvedAt time.Time `json:"resolved_at"`
}

// getOrganization shows one organization with what each source says (field provenance) and,
// per disputed field, each source's value.
func (s *Server) getOrganization(c *gin.Context) {
	d, err := s.Store.GetOrganization(c.Request.Context(), principal(c), usccParam(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.renderOrganization(c, d)
}

func (s *Server) renderOrganization(c *gin.Context, d store.OrganizationDetail) {
	out := organizationDetailResponse{organizationResponse: s.orgFrom(d.OrganizationRow), Sources: []sourceResponse{},
		Resolutions: []resolutionResponse{}, Tags: d.Tags}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if ar := d.AnnualReport; ar != nil {
		out.AnnualReport = &annualReportResponse{ImportID: ar.ImportID, ReportedAt: ar.ReportedAt.In(calendar.Shanghai),
			PartyMembers: ar.PartyMembers, PartyOrg: ar.PartyOrg, Disagrees: []annualDisagreeAnswer{}}
		for _, dis := range ar.Disagrees {
			out.AnnualReport.Disagrees = append(out.AnnualReport.Disagrees, annualDisagreeAnswer{Code: dis.Code, Text: dis.Text})
		}
	}
	for _, sv := range d.Sources {
		vals := map[string]any{}
		for _, f := range roster.Fields[1:] {
			vals[string(f)] = valueOf(sv, f)
		}
		out.Sources = append(out.Sources, sourceResponse{Source: sv.Source, Label: roster.SourceLabel[sv.Source], ImportID: sv.ImportID,
			Row: sv.RowNumber, ObservedAt: sv.ObservedAt, Missing: sv.Missing, Values: vals})
	}
	out.Conflicts = conflictsOf(d.ConflictFields, d.Sources)
	out.Provenance = provenanceOf(d)
	for _, r := range d.Resolutions {
		out.Resolutions = append(out.Resolutions, resolutionResponse(resolutionResponse{Field: r.Field, Value: r.Value, Reason: r.Reason, ResolvedBy: r.ResolvedBy, ResolvedAt: r.ResolvedAt}))
	}
	c.JSON(http.StatusOK, out)
}

// maxEmployees bounds a resolved head count (the roster's largest employers are far below).
const maxEmployees = 10_000_000

type resolveRequest struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Reason string `json:"reason" text:"2000,multiline"`
}

// resolveConflict lets an officer choose the value of a disputed field, with a reason.
func (s *Server) resolveConflict(c *gin.Context) {
	var req resolveRequest
	if !bindJSON(c, &req) {
		return
	}
	var v domain.Validation
	req.Value = strings.TrimSpace(req.Value)
	switch roster.Field(req.Field) {
	case roster.FieldEmployees:
		if n, err := strconv.Atoi(req.Value); err != nil || n < 0 || n > maxEmployees {
			v.AddCode("value", domain.CodeOutOfRange, 0, maxEmployees)
		}
	case roster.FieldName, roster.FieldTownship, roster.FieldIndustry, roster.FieldSupervisor, roster.FieldRegStatus, roster.FieldAddress:
		if req.Value == "" {
			v.AddCode("value", domain.CodeRequired)
		}
	default:
		// uscc is the key; the annual report's party fields are not merged, so never disputed.
		v.AddCode("field", domain.CodeNotAllowed, "name、township、industry、supervisor、employees、reg_status、address")
	}
	if strings.TrimSpace(req.Reason) == "" {
		v.Add("reason", "required")
	}
	if err := v.Err("裁定不正确"); err != nil {
		fail(c, err)
		return
	}
	d, err := s.Store.ResolveConflict(c.Request.Context(), principal(c), usccParam(c), req.Field, req.Value, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	s.renderOrganization(c, d)
}

type responsibilityItem struct {
	USCC    string `json:"uscc"`
	Name    string `json:"name"`
	Problem string `json:"problem"`
	Owners  int    `json:"owners"`
	Text    string `json:"text"`

	ProblemLabel string `json:"problem_label"` // 无责任单位 or 多个责任单位
}

// responsibility lists organizations with no responsible unit, or more than one, on a net.
func (s *Server) responsibility(c *gin.Context) {
	net := domain.Net(c.DefaultQuery("net", "region"))
	if net != domain.NetRegion && net != domain.NetIndustry {
		fail(c, domain.Invalid("net 参数不正确", domain.FieldFailed("net", domain.CodeNotAllowed, "region、industry")))
		return
	}
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	p := principal(c)
	rows, next, err := s.Store.ResponsibilityReport(c.Request.Context(), p, net, page)
	if err != nil {
		fail(c, err)
		return
	}
	none, multiple, counties, err := s.Store.ResponsibilityCounts(c.Request.Context(), p, net)
	if err != nil {
		fail(c, err)
		return
	}
	byCounty := make([]gin.H, len(counties))
	for i, cc := range counties {
		byCounty[i] = gin.H{"unit_id": cc.UnitID, "name": cc.Name, "none": cc.None, "multiple": cc.Multiple}
	}
	items := make([]responsibilityItem, len(rows))
	for i, r := range rows {
		items[i] = responsibilityItem{USCC: r.USCC, Name: r.Name, Problem: r.Problem, Owners: r.Owners, Text: r.Text,
			ProblemLabel: domain.ResponsibilityProblemLabel(r.Problem)}
	}
	c.JSON(http.StatusOK, gin.H{"net": net, "items": items, "next_cursor": next,
		"counts": gin.H{"none": none, "multiple": multiple, "by_county": byCounty}})
}

type aliasRequest struct {
	Alias string `json:"alias"`
}

func (s *Server) addAlias(c *gin.Context) {
	var req aliasRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := s.Store.AddUnitAlias(c.Request.Context(), principal(c), c.Param("id"), req.Alias); err != nil {
		fail(c, err)
		return
	}
	s.listAliases(c)
}

func (s *Server) listAliases(c *gin.Context) {
	u, err := s.Store.GetUnit(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	aliases, err := s.Store.UnitAliases(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if aliases == nil {
		aliases = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"unit_id": u.ID, "aliases": aliases})
}

type mappingRequest struct {
	UnitID string `json:"unit_id"`
}

func (s *Server) putMapping(c *gin.Context) {
	var req mappingRequest
	if !bindJSON(c, &req) {
		return
	}
	m, err := s.Store.PutIndustryMapping(c.Request.Context(), principal(c), c.Param("text"), req.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"text": m.Text, "unit_id": m.UnitID, "updated_by": m.UpdatedBy, "updated_at": m.UpdatedAt})
}

func (s *Server) listMappings(c *gin.Context) {
	ms, err := s.Store.IndustryMappings(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, len(ms))
	for i, m := range ms {
		out[i] = gin.H{"text": m.Text, "unit_id": m.UnitID, "updated_by": m.UpdatedBy, "updated_at": m.UpdatedAt}
	}
	c.JSON(http.StatusOK, list(out, ""))
}

type tagsRequest struct {
	Tags []string `json:"tags"`
}

// setTags replaces an organization's tags (e.g. the five categories of large enterprises).
func (s *Server) setTags(c *gin.Context) {
	var req tagsRequest
	if !bindJSON(c, &req) {
		return
	}
	d, err := s.Store.SetOrganizationTags(c.Request.Context(), principal(c), usccParam(c), req.Tags)
	if err != nil {
		fail(c, err)
		return
	}
	s.renderOrganization(c, d)
}

func (s *Server) listTags(c *gin.Context) {
	defs, err := s.Store.TagDefinitions(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, len(defs))
	for i, d := range defs {
		out[i] = gin.H{"code": d.Code, "label": d.Label}
	}
	c.JSON(http.StatusOK, list(out, ""))
}

type tagDefinitionRequest struct {
	Label string `json:"label"`
}

func (s *Server) putTag(c *gin.Context) {
	var req tagDefinitionRequest
	if !bindJSON(c, &req) {
		return
	}
	code := c.Param("code")
	var v domain.Validation
	if code == "" || len(code) > 64 || strings.ContainsAny(code, " ,/") {
		v.AddCode("code", domain.CodeTagCode)
	}
	if strings.TrimSpace(req.Label) == "" {
		v.Add("label", "required")
	}
	if err := v.Err("标签不正确"); err != nil {
		fail(c, err)
		return
	}
	t, err := s.Store.PutTagDefinition(c.Request.Context(), principal(c), code, strings.TrimSpace(req.Label))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": t.Code, "label": t.Label})
}
