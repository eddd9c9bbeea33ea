"""Shares of answers per meting, question, subgroup and category (single and combined), unweighted
and weighted, with standard errors: the one place the comparison's estimates are computed
(mart_meting_comparison pairs them). A dbt Python model because the design-based standard errors
are computed in Python; the rules live in orchestration/estimates.py (held to svy in its tests),
this file only hands it the answers, the respondents, the codebook and the laws."""

from orchestration.estimates import estimates


def model(dbt, session):
    dbt.config(materialized="table")
    # DuckDB joins the answers to their respondents and sums them into cells (estimates.answer_cells):
    # the answers themselves never come into Python
    answers = dbt.ref("fct_answer").project("respondent_key, question_id, harmonised_code, answer_status")
    respondents = dbt.ref("fct_respondent").project(
        "respondent_key, meting, wet, group_label, leerroute, cohort, gender, weight"
    )
    questions = dbt.ref("questions").filter(
        "value_type in ('categorical', 'multi_response_option')"
    ).project("question_id, answer_set_id, percentage_base").df()
    answer_sets = dbt.ref("answer_sets").project(
        "answer_set_id, code, label_nl, label_en, sort_order, missing_type"
    ).df()
    groups = dbt.ref("answer_set_groups").df()
    # which laws have a leerroute and cohorts, as mart_route_cohort reads them
    laws = dbt.ref("laws").project("wet, has_leerroute").df()
    cohorts = dbt.ref("cohorts").project("wet").df()
    return estimates(answers, respondents, questions, answer_sets, groups, laws, cohorts, con=session)
