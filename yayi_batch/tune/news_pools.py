"""Name pools for the generated news: invented people and companies, real places. Pure module.

None of these strings is an entity of the shipped gold sample (tests/tune/test_news.py checks),
so scores on that sample are never scores on training names.
"""

from __future__ import annotations

EN_FIRST = ("Alice", "Brandon", "Chloe", "Desmond", "Elena", "Farid", "Grace", "Hugo", "Imani", "Jonas",
            "Keiko", "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Stefan", "Tara",
            "Umar", "Vera", "Wesley", "Ximena", "Yusuf", "Zoe", "Anders", "Beatriz", "Conor", "Dalia")
EN_LAST = ("Ashdown", "Brennick", "Castellano", "Delacroix", "Eriksen", "Fairbanks", "Goldberg", "Halvorsen",
           "Iwasaki", "Jankowski", "Kowalczyk", "Lindqvist", "Montague", "Nakamura", "Okafor", "Petrakis",
           "Quintero", "Rasmussen", "Sandoval", "Thornbury", "Underhill", "Valdivia", "Whitcombe", "Yilmaz")
EN_ORG_HEAD = ("Alderwick", "Bramblecrest", "Copperleaf", "Driftmoor", "Emberline", "Foxhollow", "Glasshaven",
               "Harrowgate", "Ironvale", "Juniper", "Kestrelwood", "Larkspur", "Marrowfield", "Northwind",
               "Oakhurst", "Pinecastle", "Quartzline", "Ravenmoor", "Silverbirch", "Thistledown", "Umberfield",
               "Vantagepoint", "Willowmere", "Yarrowby")
EN_ORG_TAIL = ("Robotics", "Holdings", "Bank", "Energy", "Labs", "Foods", "Logistics", "Motors", "Pharma",
               "Group", "Partners", "Systems", "Capital", "Media", "Semiconductor", "Airlines", "Insurance")
EN_PLACES = ("Lyon", "Nairobi", "Toronto", "Munich", "Chile", "Uruguay", "Denver", "Oslo", "Lisbon", "Dublin",
             "Kraków", "Monterrey", "Accra", "Hanoi", "Perth", "Calgary", "Seville", "Rotterdam", "Bogotá",
             "Santiago", "Helsinki", "Kenya", "Portugal", "Ontario", "Bavaria", "Marseille", "Auckland",
             "Cape Town", "Manila", "Zurich")
EN_DATES = ("Monday", "Tuesday", "Thursday", "Friday", "March 3", "June 18", "October 9", "last week",
            "December 12", "April 27", "early May", "September 30")
EN_AMOUNTS = ("$85 million", "$1.2 billion", "€40 million", "$300 million", "£65 million", "$2.4 billion",
              "$12 million", "€900 million")
EN_PRODUCTS = ("the Aria X2 drone", "a solid-state battery pack", "the Nimbus smartwatch", "a cloud billing service",
               "the Tern electric scooter", "a diabetes screening app", "the Halo 5 router")
EN_INDUSTRY = ("software", "logistics", "biotech", "payments", "robotics", "solar", "food delivery")

ZH_SURNAME = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郑",
              "高", "林", "何", "罗", "宋", "谢", "唐", "韩", "冯", "于", "董", "程", "曹", "袁")
ZH_GIVEN = ("建国", "晓燕", "志强", "丽华", "海涛", "文静", "永刚", "雪梅", "明远", "佳怡", "国栋", "秀英",
            "子涵", "浩然", "思远", "玉兰", "振华", "婉婷", "鹏飞", "慧敏", "天宇", "春生", "若曦", "德明")
ZH_ORG_HEAD = ("华瑞", "远航", "金桥", "博雅", "恒通", "星辰", "云帆", "鼎盛", "天合", "青松", "嘉禾", "润丰",
               "启明", "中科", "蓝海", "瑞思", "安泰", "同创", "凯达", "宏图")
ZH_ORG_TAIL = ("科技有限公司", "集团", "银行", "新能源股份有限公司", "生物医药公司", "物流公司", "投资基金",
               "电子有限公司", "汽车集团", "资本", "大学", "研究院")
ZH_PLACES = ("成都", "西安", "烟台", "扬州", "绍兴", "浙江", "广东", "泉州", "长沙", "洛阳", "郑州", "贵阳",
             "哈尔滨", "福州", "兰州", "宁波", "无锡", "海口", "呼和浩特", "山东", "四川", "江西", "新加坡", "德国")
ZH_DATES = ("3月5日", "周二", "昨日", "6月18日", "10月9日", "上周", "12月1日", "4月27日", "今年一季度", "9月30日")
ZH_AMOUNTS = ("12亿元", "3000万美元", "5.6亿元", "8000万元", "20亿元", "1.5亿美元", "4500万元")
ZH_PRODUCTS = ("智能手表", "电动汽车", "储能电池", "工业机器人", "手机芯片", "云计算平台", "无人机")
