"""Reading the built warehouse: summary (the run's summary), evaluate (backtest), ablation
(with and without the seasonal adjustment), suggest (weights fitted on past churn), report
(the HTML report)."""
