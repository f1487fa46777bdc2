"""What pyproject.toml cannot say: the sample dbt project ships inside the package.

The design card keeps the dbt project at the top level (``dbt_project/``), outside every Python package.
``lakehouse demo`` must find it in an installed wheel too, so it becomes the package
``lakehouse.wiring.sample_dbt_project``: its folders are (data-only) sub-packages and its files package data (pyproject.toml),
while what dbt writes there (target/, logs/, dbt_packages/) stays out. An editable install maps the same name
to ``dbt_project/``, so the demo finds the sample the same way in a checkout
(``lakehouse/wiring/sample_project.py``). Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

SAMPLE = "lakehouse.wiring.sample_dbt_project"
#: folders dbt writes into a project; never shipped
DBT_OUTPUT = ["target", "target.*", "logs", "logs.*", "dbt_packages", "dbt_packages.*"]
SAMPLE_PACKAGES = [SAMPLE] + [
    f"{SAMPLE}.{name}" for name in find_namespace_packages(where="dbt_project", exclude=DBT_OUTPUT)
]

setup(
    packages=[
        *find_namespace_packages(include=["lakehouse*", "lake*", "catalog*", "quality*", "warehouse*"]),
        *SAMPLE_PACKAGES,
    ],
    package_dir={SAMPLE: "dbt_project"},
)
