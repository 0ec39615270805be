import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { enterStays } from './lib/enter.js'
import './style.css'

createApp(App).use(router).directive('enter-stays', enterStays).mount('#app')
