import {
    Component,
    markRaw,
    onMounted,
    onPatched,
    onWillStart,
    onWillUnmount,
    useRef,
    useState,
} from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { cookie } from "@web/core/browser/cookie";
import { getColor, hexToRGBA } from "@web/core/colors/colors";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { ControlPanel } from "@web/search/control_panel/control_panel";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";

export const AGING_BUCKETS = ["not_due", "1_30", "31_60", "61_90", "over_90"];
const AGING_COLORS = ["#28a745", "#8bc34a", "#ffc107", "#fd7e14", "#dc3545"];
const RATING_CLASSES = {
    A: "text-bg-success",
    B: "text-bg-info",
    C: "text-bg-warning",
    D: "text-bg-danger",
};

/**
 * First screen of the Collections app: KPI tiles, aging, trends, cash-in
 * forecast and the customers / channels that need attention.
 *
 * Everything comes from a single call to `cobranza.kpi.get_dashboard_data`;
 * drilling down goes through `cobranza.kpi.action_open_kpi`.
 */
export class CobranzaDashboard extends Component {
    static template = "account_cobranza.CobranzaDashboard";
    static components = { ControlPanel };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.keepLast = new KeepLast();
        this.colorScheme = cookie.get("color_scheme");
        this.periods = [
            { value: "last_30", label: _t("Last 30 Days") },
            { value: "month", label: _t("Month to Date") },
            { value: "quarter", label: _t("Quarter to Date") },
            { value: "week", label: _t("Week to Date") },
        ];
        this.filters = useState({
            company_id: false,
            collector_id: false,
            segment_id: false,
            period: "last_30",
        });
        this.state = useState({ data: null, loading: false });

        this.agingRef = useRef("agingChart");
        this.trendRef = useRef("trendChart");
        this.forecastRef = useRef("forecastChart");
        this.charts = [];
        this.chartsData = null;

        onWillStart(() => Promise.all([loadBundle("web.chartjs_lib"), this.load()]));
        onMounted(() => this.renderCharts());
        onPatched(() => this.renderCharts());
        onWillUnmount(() => this.destroyCharts());
    }

    // -------------------------------------------------------------------------
    // Data
    // -------------------------------------------------------------------------

    /** Filters forwarded to the server to scope the records behind a KPI. */
    get scope() {
        const { company_id, collector_id, segment_id } = this.filters;
        return { company_id, collector_id, segment_id };
    }

    async load() {
        this.state.loading = true;
        try {
            const data = await this.keepLast.add(
                this.orm.call("cobranza.kpi", "get_dashboard_data", [], {
                    ...this.scope,
                    period: this.filters.period,
                })
            );
            this.filters.company_id = data.company_id || false;
            // the payload is replaced as a whole: no need to observe its content
            this.state.data = markRaw(data);
        } finally {
            this.state.loading = false;
        }
    }

    onFilterChange(name, ev) {
        this.filters[name] = parseInt(ev.target.value) || false;
        if (name === "company_id") {
            // collectors and segments belong to a company: start again from all of them
            this.filters.collector_id = false;
            this.filters.segment_id = false;
        }
        this.load();
    }

    onPeriodClick(period) {
        if (period !== this.filters.period) {
            this.filters.period = period;
            this.load();
        }
    }

    async openKpi(key, extra = {}) {
        const action = await this.orm.call("cobranza.kpi", "action_open_kpi", [key], {
            ...this.scope,
            period: this.filters.period,
            ...extra,
        });
        if (action) {
            return this.action.doAction(action);
        }
    }

    // -------------------------------------------------------------------------
    // Formatting
    // -------------------------------------------------------------------------

    get dateRange() {
        const { date_from, date_to } = this.state.data;
        return `${formatDate(deserializeDate(date_from))} – ${formatDate(deserializeDate(date_to))}`;
    }

    get channelSummary() {
        const { kpi, channel_labels } = this.state.data;
        const contacts = kpi.contacts_by_channel || {};
        const paid = kpi.paid_within_7d_by_channel || {};
        return Object.keys(contacts).map((channel) => ({
            channel,
            label: channel_labels?.[channel] || channel,
            contacts: contacts[channel],
            rate: paid[channel] ?? null,
        }));
    }

    formatMoney(value, options = {}) {
        if (value === null || value === undefined || value === false) {
            return "—";
        }
        return formatMonetary(value, { currencyId: this.state.data.currency_id, ...options });
    }

    formatPercent(value) {
        if (value === null || value === undefined || value === false) {
            return "—";
        }
        return `${formatFloat(value, { digits: [false, 1] })} %`;
    }

    formatValue(value, kind) {
        if (value === null || value === undefined || value === false) {
            return "—";
        }
        switch (kind) {
            case "money":
                return this.formatMoney(value);
            case "days":
                return _t("%s days", formatFloat(value, { digits: [false, 1] }));
            case "percent":
                return this.formatPercent(value);
            case "count":
                return String(value);
            default:
                return formatFloat(value, { digits: [false, 1] });
        }
    }

    formatChange(change) {
        const sign = change > 0 ? "+" : change < 0 ? "−" : "";
        return `${sign}${this.formatPercent(Math.abs(change))}`;
    }

    changeClass(tile) {
        if (!tile.change) {
            return "text-bg-secondary";
        }
        const improved = tile.change > 0 === (tile.better === "up");
        return improved ? "text-bg-success" : "text-bg-danger";
    }

    changeIcon(change) {
        return change > 0 ? "fa-caret-up" : change < 0 ? "fa-caret-down" : "fa-minus";
    }

    ratingClass(rating) {
        return RATING_CLASSES[rating] || "text-bg-secondary";
    }

    // -------------------------------------------------------------------------
    // Charts
    // -------------------------------------------------------------------------

    /**
     * (Re)creates the charts when the data changed or their canvas was
     * replaced; other patches (filters, loading flag) keep them as they are.
     */
    renderCharts() {
        const data = this.state.data;
        if (data === this.chartsData && this.charts.every((chart) => chart.canvas?.isConnected)) {
            return;
        }
        this.destroyCharts();
        this.chartsData = data;
        if (!data) {
            return;
        }
        this.charts = [
            this.makeChart(this.agingRef, this.getAgingConfig(data)),
            this.makeChart(this.trendRef, this.getTrendConfig(data)),
            this.makeChart(this.forecastRef, this.getForecastConfig(data)),
        ].filter(Boolean);
    }

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    makeChart(ref, config) {
        if (!ref.el) {
            return null;
        }
        return new Chart(ref.el, {
            ...config,
            options: {
                maintainAspectRatio: false,
                animation: false,
                ...config.options,
            },
        });
    }

    /** Options of a clickable chart opening `getKey(index)` via action_open_kpi. */
    clickableOptions(getKey) {
        return {
            onClick: (ev, elements) => {
                if (elements.length) {
                    this.openKpi(getKey(elements[0].index));
                }
            },
            onHover: (ev, elements) => {
                ev.native.target.style.cursor = elements.length ? "pointer" : "default";
            },
        };
    }

    moneyAxis() {
        return {
            beginAtZero: true,
            ticks: { callback: (value) => this.formatMoney(value, { humanReadable: true }) },
        };
    }

    getAgingConfig(data) {
        const aging = data.kpi.aging || {};
        return {
            type: "bar",
            data: {
                labels: AGING_BUCKETS.map((bucket) => data.aging_labels?.[bucket] || bucket),
                datasets: [
                    {
                        label: _t("Amount"),
                        data: AGING_BUCKETS.map((bucket) => aging[bucket] || 0),
                        backgroundColor: AGING_COLORS,
                    },
                ],
            },
            options: {
                ...this.clickableOptions((index) => `aging:${AGING_BUCKETS[index]}`),
                plugins: {
                    legend: { display: false },
                    tooltip: { callbacks: { label: (ctx) => this.formatMoney(ctx.parsed.y) } },
                },
                scales: { y: this.moneyAxis() },
            },
        };
    }

    getTrendConfig(data) {
        const trend = data.trend;
        const line = (label, values, index, extra = {}) => {
            const color = getColor(index, this.colorScheme, "sm");
            return {
                label,
                data: [...values],
                borderColor: color,
                backgroundColor: hexToRGBA(color, 0.2),
                tension: 0.3,
                spanGaps: true,
                yAxisID: "y",
                ...extra,
            };
        };
        return {
            type: "line",
            data: {
                labels: [...trend.labels],
                datasets: [
                    line(_t("DSO"), trend.dso, 0),
                    line(_t("Best possible DSO"), trend.bpdso, 2, { borderDash: [6, 4] }),
                    line(_t("CEI (%)"), trend.cei, 4, { yAxisID: "y1" }),
                ],
            },
            options: {
                interaction: { mode: "index", intersect: false },
                plugins: {
                    tooltip: {
                        callbacks: {
                            label: (ctx) =>
                                `${ctx.dataset.label}: ${this.formatValue(
                                    ctx.parsed.y,
                                    ctx.dataset.yAxisID === "y1" ? "percent" : "days"
                                )}`,
                        },
                    },
                },
                scales: {
                    y: { beginAtZero: true, title: { display: true, text: _t("Days") } },
                    y1: {
                        position: "right",
                        suggestedMin: 0,
                        suggestedMax: 100,
                        grid: { drawOnChartArea: false },
                        title: { display: true, text: _t("CEI %") },
                    },
                },
            },
        };
    }

    getForecastConfig(data) {
        const color = getColor(2, this.colorScheme, "sm");
        return {
            type: "bar",
            data: {
                labels: [...data.forecast.labels],
                datasets: [
                    {
                        label: _t("Expected cash-in"),
                        data: [...data.forecast.amounts],
                        backgroundColor: hexToRGBA(color, 0.7),
                        borderColor: color,
                    },
                ],
            },
            options: {
                ...this.clickableOptions(() => "forecast"),
                plugins: {
                    legend: { display: false },
                    tooltip: { callbacks: { label: (ctx) => this.formatMoney(ctx.parsed.y) } },
                },
                scales: { y: this.moneyAxis() },
            },
        };
    }
}

registry.category("actions").add("account_cobranza.dashboard", CobranzaDashboard);
