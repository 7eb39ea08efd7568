import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("account_cobranza_replies", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account_cobranza.menu_cobranza_root", "Open Collections"),
        {
            content: "Open the worklist menu",
            trigger: '.o_main_navbar [data-menu-xmlid="account_cobranza.menu_cobranza_worklist"]',
            run: "click",
        },
        {
            content: "Open the replies to review",
            trigger: '.dropdown-item[data-menu-xmlid="account_cobranza.menu_cobranza_replies"]',
            run: "click",
        },
        {
            content: "The customer's email reply, read as a promise",
            trigger: '.o_data_row:contains("Almacén Respuesta"):contains("le pago el viernes") td[name=intent]',
            run: "click",
        },
        {
            content: "The proposal names the invoices of the reminder",
            trigger: ".o_form_view .o_field_widget[name=move_ids] .o_tag",
        },
        {
            content: "Accept it in one click",
            trigger: '.o_form_view .o_statusbar_buttons button[name="action_accept"]',
            run: "click",
        },
        {
            content: "The reply is accepted and its promise is there",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Accepted")',
        },
        {
            content: "The promise it created",
            trigger: ".o_form_view .o_field_widget[name=promise_id] a, .o_form_view .o_field_widget[name=promise_id] span:contains('Almacén')",
        },
    ],
});
