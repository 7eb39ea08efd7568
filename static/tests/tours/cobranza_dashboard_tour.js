import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("account_cobranza_dashboard", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account_cobranza.menu_cobranza_root", "Open Collections"),
        {
            content: "The app opens on the dashboard",
            trigger: ".o_cobranza_dashboard .o_cobranza_tile[data-key=overdue_total]",
        },
        {
            content: "The receivables tile shows the total",
            trigger: ".o_cobranza_dashboard .o_cobranza_tile[data-key=ar_total] .o_cobranza_tile_value",
        },
        {
            content: "The aging chart is drawn",
            trigger: ".o_cobranza_dashboard .o_cobranza_aging canvas",
        },
        {
            content: "The overdue customer is among the most overdue ones",
            trigger: '.o_cobranza_dashboard .o_cobranza_top_row:contains("Ferretería Urgente")',
        },
        {
            content: "Look at the quarter",
            trigger: '.o_cobranza_dashboard .o_cobranza_period button:contains("Quarter")',
            run: "click",
        },
        {
            content: "The dashboard is reloaded for the quarter",
            trigger:
                ".o_cobranza_dashboard[data-period=quarter]:not(.o_cobranza_loading) .o_cobranza_tile[data-key=overdue_total]",
        },
        {
            content: "Open the overdue invoices",
            trigger:
                ".o_cobranza_dashboard[data-period=quarter] .o_cobranza_tile[data-key=overdue_total]",
            run: "click",
        },
        {
            content: "The overdue invoices are listed",
            trigger: '.o_list_view .o_data_row:contains("Ferretería Urgente")',
        },
    ],
});
