// Routes. Each screen is loaded lazily (its own chunk) except the login page and the inbox,
// which make up the first screen. meta.nav puts a screen in the menu for the roles listed
// (no roles: everyone); meta.public opens it without a login.
import { createRouter, createWebHistory } from 'vue-router'
import { loggedIn, setOnExpired, hasRole } from './api.js'
import Login from './views/Login.vue'
import Inbox from './views/Inbox.vue'
import taskRoutes from './routes/tasks.js'
import screenRoutes from './routes/screens.js'

export const routes = [
  { path: '/login', name: 'login', component: Login, meta: { public: true, title: '登录' } },
  { path: '/', redirect: '/inbox' },
  { path: '/inbox', name: 'inbox', component: Inbox, meta: { title: '我的待办', nav: true } },
  ...taskRoutes,
  ...screenRoutes,
  { path: '/:rest(.*)*', name: 'notfound', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在' } },
]

export const router = createRouter({ history: createWebHistory('/'), routes })

router.beforeEach((to) => {
  if (!to.meta.public && !loggedIn()) {
    return { name: 'login', query: to.fullPath !== '/' && to.fullPath !== '/inbox' ? { next: to.fullPath } : {} }
  }
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title || ''} · 两新党建双同步督导`
})

// A token the server refuses (expired, revoked) returns to the login page with a message.
setOnExpired(() => {
  const next = router.currentRoute.value.fullPath
  router.replace({ name: 'login', query: { expired: '1', next } })
})

// navItems is the menu for the logged-in user: routes with meta.nav whose roles they hold.
export function navItems() {
  return routes.filter((r) => r.meta && r.meta.nav && (!r.meta.roles || r.meta.roles.some(hasRole)))
}

// A screen's chunk that no longer exists (the server was upgraded while this tab kept an older
// index.html, which is cached for up to 5 minutes) fails to load: fetch the page afresh past
// the browser's cache, then open it, so the new index.html and its chunks are used. Once per
// tab session, so a chunk missing for another reason cannot loop.
router.onError((err, to) => {
  const stale = /dynamically imported module|Importing a module script failed|Unable to preload/i.test(String(err && err.message))
  if (!stale || sessionStorage.getItem('tandem.refetched')) return
  sessionStorage.setItem('tandem.refetched', '1')
  fetch(to.fullPath, { cache: 'reload' }).finally(() => { window.location.assign(to.fullPath) })
})
