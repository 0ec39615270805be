// Routes of the task work everyone does (inbox, task page, notifications). Owned by the inbox
// and task screens; other screens live in screens.js.
export default [
  { path: '/tasks/:id', name: 'task', component: () => import('../views/Task.vue'), meta: { title: '任务' } },
  { path: '/notifications', name: 'notifications', component: () => import('../views/Notifications.vue'), meta: { title: '通知' } },
]
