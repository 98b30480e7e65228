// Types of /assets/uplot.mjs, which server/web.ts serves from the package.
import uPlot from 'uplot';
export default uPlot;
