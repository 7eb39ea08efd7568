import { registry } from "@web/core/registry";

/** YYYY-MM-DD, `days` from today. */
function inDays(days) {
    return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

function setValue(value) {
    return function () {
        this.anchor.value = value;
        this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
    };
}

const tours = registry.category("web_tour.tours");

tours.add("account_cobranza_portal_installment", {
    steps: () => [
        {
            content: "The first installment is what there is to pay now",
            trigger: '.o_portal_cobranza_pay:contains("Installment 1 to pay now") .o_cobranza_pay_amount:contains("333.33")',
        },
        {
            content: "Enter the (demo) card details",
            trigger: "#customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: 'button[name="o_payment_submit_button"]:not(:disabled)',
            run: "click",
        },
        {
            content: "Back on the plan: the first installment is paid, the second one is next",
            trigger: '.o_portal_cobranza_pay:contains("Installment 2 to pay now")',
            timeout: 20000,
        },
        {
            content: "The first line of the schedule is paid",
            trigger: ".o_cobranza_plan_schedule tbody tr:first-child .badge.text-bg-success",
        },
    ],
});

function planRequestSteps(count, expected) {
    return [
        {
            content: "Choose the number of installments",
            trigger: "#cobranza_plan_count",
            run: `edit ${count}`,
        },
        {
            content: "and the date of the first one",
            trigger: "#cobranza_plan_first_date",
            run: setValue(inDays(10)),
        },
        {
            content: "Request the plan",
            trigger: '#cobranza_plan_form button[type="submit"]',
            run: "click",
        },
        {
            content: "The customer is told what happens",
            trigger: `.alert-success:contains("${expected}")`,
        },
    ];
}

tours.add("account_cobranza_portal_plan_inside", {
    steps: () => planRequestSteps(3, "is active"),
});

tours.add("account_cobranza_portal_plan_outside", {
    steps: () => planRequestSteps(10, "a manager will review it"),
});

tours.add("account_cobranza_portal_promise", {
    steps: () => [
        {
            content: "Every invoice is ticked: promise a date for them",
            trigger: "#cobranza_promise_date",
            run: setValue(inDays(5)),
        },
        {
            content: "Promise",
            trigger: '#cobranza_promise_form button[type="submit"]',
            run: "click",
        },
        {
            content: "The promise is recorded",
            trigger: '.alert-success:contains("payment promise is recorded")',
        },
    ],
});

tours.add("account_cobranza_portal_dispute", {
    steps: () => [
        {
            content: "Choose the reason",
            trigger: "#cobranza_dispute_reason",
            run: "select wrong_amount",
        },
        {
            content: "Explain what is wrong",
            trigger: "#cobranza_dispute_description",
            run: "edit Recibimos 8 unidades, no 10",
        },
        {
            content: "Send",
            trigger: '#cobranza_dispute_form button[type="submit"]',
            run: "click",
        },
        {
            content: "The customer is told we will answer",
            trigger: '.alert-success:contains("will answer you shortly")',
        },
    ],
});

tours.add("account_cobranza_portal_plan_autopay", {
    steps: () => [
        {
            content: "The plan offers to pay automatically, with the terms in plain words",
            trigger: "#cobranza_autopay .o_cobranza_autopay_terms:contains('stop automatic payment')",
        },
        {
            content: "Choose the saved card",
            trigger: "#cobranza_autopay_form input[name='token_id']",
            run: "click",
        },
        {
            content: "Accept the terms",
            trigger: "#cobranza_autopay_accept",
            run: "click",
        },
        {
            content: "Pay automatically",
            trigger: '#cobranza_autopay_form button[type="submit"]',
            run: "click",
        },
        {
            content: "The confirmation is shown",
            trigger: '.alert-success:contains("paid automatically")',
        },
        {
            content: "Automatic payment is on",
            trigger: "#cobranza_autopay_on",
        },
    ],
});
