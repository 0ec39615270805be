// Routes of the screens of each user group (officers, secretaries, liaisons, admins). Each is
// loaded lazily: { path, component: () => import('../views/…'), meta: { title, nav, roles } }.
const officer = ['officer', 'admin']
const secretary = ['secretary', 'officer', 'admin']
export default [
  { path: '/deliveries', name: 'deliveries', component: () => import('../views/Deliveries.vue'),
    meta: { title: '名册报送', nav: true, roles: ['liaison', 'admin'] } },
  { path: '/assessments', name: 'assessment-review', component: () => import('../views/AssessmentReview.vue'),
    meta: { title: '考核审核', nav: true, roles: officer } },
  { path: '/organizations', name: 'organizations', component: () => import('../views/Organizations.vue'),
    meta: { title: '组织名录', nav: true, roles: officer } },
  { path: '/organizations/:uscc', name: 'organization', component: () => import('../views/Organization.vue'),
    meta: { title: '组织详情', roles: officer } },
  { path: '/coverage', name: 'coverage', component: () => import('../views/Coverage.vue'),
    meta: { title: '覆盖情况', nav: true, roles: officer } },
  { path: '/responsibility', name: 'responsibility', component: () => import('../views/Responsibility.vue'),
    meta: { title: '责任缺口', nav: true, roles: officer } },
  { path: '/units', name: 'units', component: () => import('../views/Units.vue'),
    meta: { title: '组织体系', nav: true, roles: officer } },
  { path: '/formations', name: 'formations', component: () => import('../views/Formations.vue'),
    meta: { title: '党组织组建', nav: true, roles: secretary } },
  { path: '/party-orgs/:id', name: 'party-org', component: () => import('../views/PartyOrg.vue'),
    meta: { title: '党组织', roles: secretary } },
  { path: '/admin', name: 'admin', component: () => import('../views/Admin.vue'),
    meta: { title: '系统管理', nav: true, roles: ['admin'] } },
  { path: '/census-rounds', name: 'census-rounds', component: () => import('../views/CensusRounds.vue'),
    meta: { title: '普查轮次', nav: true, roles: officer } },
  { path: '/census-rounds/:id', name: 'census-round', component: () => import('../views/CensusRound.vue'),
    meta: { title: '普查轮次详情', roles: officer } },
  { path: '/periods', name: 'periods', component: () => import('../views/Periods.vue'),
    meta: { title: '工作周期', nav: true, roles: officer } },
  { path: '/periods/:id', name: 'period', component: () => import('../views/Period.vue'),
    meta: { title: '周期详情', roles: officer } },
]
