{#- Purchase likelihood 0–100 of every prospect at the as-of date (macro
    purchase_likelihood_scores: the conversion rate of similar prospects one window earlier). -#}
{{ purchase_likelihood_scores(as_of_date(), var('prospect_conversion_window_days')) }}
