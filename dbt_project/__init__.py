"""Not Python: this file lets the dbt project ship in the wheel as ``lakehouse.wiring.sample_dbt_project``.

``lakehouse demo`` finds the sample project through that name, in a wheel and in an editable checkout alike
(see setup.py and lakehouse/wiring/sample_project.py). dbt ignores this file; nothing imports it.
"""
