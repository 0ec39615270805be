// Routes of the screens of each user group (officers, secretaries, liaisons, admins). Each is
// loaded lazily: { path, component: () => import('../views/…'), meta: { title, nav, roles } }.
export default []
