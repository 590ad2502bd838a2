"""The demo world's reference data: Harbin's nine districts, grids drawn in WGS-84 around real
places, squads, people and a day of staggered shifts. Plain data; `build_demo_world` loads it."""
from __future__ import annotations

DEMO_PASSWORD = "demo-pass-2026"

DISTRICTS = [  # code, name, English name, main city, centre (lat, lon) in WGS-84
    ("NG", "南岗区", "Nangang", True, (45.7560, 126.6420)),
    ("DL", "道里区", "Daoli", True, (45.7760, 126.6170)),
    ("DW", "道外区", "Daowai", True, (45.7860, 126.6470)),
    ("XF", "香坊区", "Xiangfang", True, (45.7120, 126.6790)),
    ("SB", "松北区", "Songbei", True, (45.8000, 126.5700)),
    ("PF", "平房区", "Pingfang", True, (45.6040, 126.6320)),
    ("HL", "呼兰区", "Hulan", False, (45.8890, 126.5870)),
    ("AC", "阿城区", "Acheng", False, (45.5440, 126.9580)),
    ("SC", "双城区", "Shuangcheng", False, (45.3830, 126.3120)),
]

# Named grids along real places (corner rings in WGS-84 lon/lat, counter-clockwise).
NAMED_GRIDS = [
    # Central Street (中央大街): ~1.4 km pedestrian street from Jingwei Street north to the Flood
    # Control Memorial Tower, drawn as a 160 m wide band.
    ("DL-G001", "中央大街", "DL", "DL-N01",
     [(126.61820, 45.77000), (126.61980, 45.77000), (126.61760, 45.78230), (126.61600, 45.78230)]),
    ("DL-G002", "索菲亚教堂广场", "DL", "DL-N01",
     [(126.62420, 45.77140), (126.62720, 45.77140), (126.62720, 45.77360), (126.62420, 45.77360)]),
    ("DL-G003", "松花江畔 斯大林公园", "DL", "DL-N01",
     [(126.60600, 45.78230), (126.62500, 45.78230), (126.62500, 45.78480), (126.60600, 45.78480)]),
    ("DW-G001", "老道外 中华巴洛克街区", "DW", "DW-N01",
     [(126.64500, 45.78150), (126.65250, 45.78150), (126.65250, 45.78700), (126.64500, 45.78700)]),
    ("SB-G001", "太阳岛风景区", "SB", "SB-N01",
     [(126.57500, 45.78900), (126.59800, 45.78900), (126.59800, 45.80100), (126.57500, 45.80100)]),
]

# Squads per district: code, name.
SQUADS = {
    "DL": [("DL-WOMEN", "女子中队"), ("DL-01", "第一中队")],
    "NG": [("NG-01", "第一中队"), ("NG-02", "第二中队")],
}

DAOLI_WOMEN = ["王丽", "李静", "张敏", "刘洋", "陈璐", "杨雪", "赵婷", "黄蕾", "周琳", "吴倩", "徐晶", "孙悦"]
OTHER_NAMES = ["张伟", "王磊", "李强", "刘军", "陈刚", "杨帆", "赵鹏", "黄涛", "周斌", "吴昊", "郑凯", "孙浩",
               "马超", "朱明", "胡杰", "郭亮", "何斌", "高峰", "林涛", "罗勇"]

# Fixed posts: code, name, district, lat, lon, radius.
POSTS = [
    ("NG-P001", "哈三中 考点大门", "NG", 45.75020, 126.64620, 40.0),
    ("DL-P001", "透笼市场 入口", "DL", 45.77580, 126.60640, 35.0),
]

# Today's staggered shifts (Shanghai wall-clock start hour, hours long, kind).
SHIFT_PATTERN = [(8.0, 8), (9.0, 8), (10.0, 8), (14.0, 8), (20.0, 8)]
