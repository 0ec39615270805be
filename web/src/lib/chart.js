// ECharts, tree-shaken: only the line chart and the components the trend uses. Imported only by
// the screens that chart (each loads it lazily with its own chunk).
import { use, init } from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer])

export { init }
